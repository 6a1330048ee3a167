package org.mvpseg.models;

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
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Known CLIP checkpoints: name → download address, SHA-256 and file name (the format of
 * {@code models/openai-models.json}). The built-in registry lists OpenAI's nine releases.
 */
public final class ModelRegistry {

	public static final String DEFAULT_MODEL = "ViT-B/16";

	/** One downloadable checkpoint. {@code size} is -1 when the registry does not state it. */
	public record Entry(String name, String url, String sha256, String file, long size) {}

	private final Map<String, Entry> entries;

	private ModelRegistry(Map<String, Entry> entries) {
		this.entries = entries;
	}

	/** The registry shipped in the jar (a copy of {@code models/openai-models.json}). */
	public static ModelRegistry builtIn() {
		try (InputStream in = ModelRegistry.class.getResourceAsStream("openai-models.json")) {
			if (in == null) throw new IllegalStateException("openai-models.json is missing from the jar");
			return parse(new InputStreamReader(in, StandardCharsets.UTF_8), "built-in registry");
		}
		catch (IOException e) {
			throw new IllegalStateException(e);
		}
	}

	public static ModelRegistry read(Path file) throws IOException {
		try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
			return parse(r, file.toString());
		}
	}

	private static ModelRegistry parse(Reader r, String where) throws IOException {
		Map<String, Entry> out = new LinkedHashMap<>();
		try {
			JsonObject models = JsonParser.parseReader(r).getAsJsonObject().getAsJsonObject("models");
			for (Map.Entry<String, JsonElement> e : models.entrySet()) {
				JsonObject o = e.getValue().getAsJsonObject();
				for (String k : new String[] { "url", "sha256" }) if (!o.has(k) || !o.get(k).isJsonPrimitive())
					throw new IOException("model " + e.getKey() + " in " + where + " has no \"" + k + "\" (each model needs "
						+ "url and sha256; file and size are optional)");
				String sha = o.get("sha256").getAsString().toLowerCase(Locale.ROOT);
				if (!sha.matches("[0-9a-f]{64}")) throw new IOException("model " + e.getKey() + " in " + where
					+ " has an invalid sha256");
				String file = o.has("file") ? o.get("file").getAsString() : e.getKey().replace('/', '-') + ".pt";
				if (!ModelCache.isSafeName(file)) throw new IOException("model "
					+ e.getKey() + " in " + where + " has an unsafe file name " + file);
				out.put(e.getKey(), new Entry(e.getKey(), o.get("url").getAsString(), sha, file, o.has("size") ? o.get(
					"size").getAsLong() : -1));
			}
		}
		catch (RuntimeException e) {
			throw new IOException(where + " is not a model registry ({\"models\": {name: {url, sha256, file}}}): "
				+ e.getMessage());
		}
		return new ModelRegistry(out);
	}

	public List<Entry> entries() {
		return Collections.unmodifiableList(new ArrayList<>(entries.values()));
	}

	/** The entry for {@code name}; "ViT-B-16" and "vit-b/16" find "ViT-B/16" too. */
	public Entry get(String name) {
		Entry e = entries.get(name);
		if (e != null) return e;
		String key = normalise(name);
		for (Entry c : entries.values()) if (normalise(c.name()).equals(key) || normalise(c.file()).equals(key)) return c;
		throw new IllegalArgumentException("Unknown model '" + name + "'. Known models: " + String.join(", ", entries
			.keySet()) + " (or give a weight file with --weights).");
	}

	private static String normalise(String s) {
		return s.toLowerCase(Locale.ROOT).replace(".pt", "").replace('/', '-');
	}
}
