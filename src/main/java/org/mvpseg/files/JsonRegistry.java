package org.mvpseg.files;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one reader of MVP-SEG's JSON registries (models, engines): {@code {"<section>": {name: {…}, …}}}, shipped in the
 * jar or given as a file. Each registry says how one entry reads; a file that is not such a registry says so, with
 * where it came from, instead of a JSON parser's message alone.
 *
 * @param section the top-level key ("models", "engines")
 * @param notA what a bad file is not, in words ("a valid engine registry")
 */
public record JsonRegistry<T>(String section, String notA, EntryReader<T> entry) {

	/** One entry from its name and object; an IOException says what is wrong with it. */
	public interface EntryReader<T> {
		T read(String name, JsonObject o, String where) throws IOException;
	}

	/** The registry shipped beside {@code owner} as {@code resource}. */
	public Map<String, T> builtIn(Class<?> owner, String resource, String where) {
		try (InputStream in = owner.getResourceAsStream(resource)) {
			if (in == null) throw new IllegalStateException(resource + " is missing from the jar");
			return parse(new InputStreamReader(in, StandardCharsets.UTF_8), where);
		}
		catch (IOException e) {
			throw new IllegalStateException(e);
		}
	}

	public Map<String, T> read(Path file) throws IOException {
		try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
			return parse(r, file.toString());
		}
	}

	/** Entries in the file's order. */
	private Map<String, T> parse(Reader r, String where) throws IOException {
		Map<String, T> out = new LinkedHashMap<>();
		try {
			JsonObject all = JsonParser.parseReader(r).getAsJsonObject().getAsJsonObject(section);
			for (Map.Entry<String, JsonElement> e : all.entrySet()) out.put(e.getKey(), entry.read(e.getKey(), e.getValue()
				.getAsJsonObject(), where));
		}
		catch (RuntimeException e) {
			throw new IOException(where + " is not " + notA + ": " + e.getMessage(), e);
		}
		return out;
	}
}
