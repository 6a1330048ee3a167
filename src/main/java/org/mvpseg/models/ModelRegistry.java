package org.mvpseg.models;

import com.google.gson.JsonObject;
import org.mvpseg.files.JsonRegistry;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
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

	private static final JsonRegistry<Entry> FORMAT = new JsonRegistry<>("models", "a model registry ({\"models\": "
		+ "{name: {url, sha256, file}}})", ModelRegistry::entry);

	/** The registry shipped in the jar (a copy of {@code models/openai-models.json}). */
	public static ModelRegistry builtIn() {
		return new ModelRegistry(FORMAT.builtIn(ModelRegistry.class, "openai-models.json", "built-in registry"));
	}

	public static ModelRegistry read(Path file) throws IOException {
		return new ModelRegistry(FORMAT.read(file));
	}

	private static Entry entry(String name, JsonObject o, String where) throws IOException {
		for (String k : new String[] { "url", "sha256" }) if (!o.has(k) || !o.get(k).isJsonPrimitive())
			throw new IOException("model " + name + " in " + where + " has no \"" + k + "\" (each model needs "
				+ "url and sha256; file and size are optional)");
		String sha = o.get("sha256").getAsString().toLowerCase(Locale.ROOT);
		if (!sha.matches("[0-9a-f]{64}")) throw new IOException("model " + name + " in " + where + " has an invalid "
			+ "sha256");
		String file = o.has("file") ? o.get("file").getAsString() : name.replace('/', '-') + ".pt";
		if (!ModelCache.isSafeName(file)) throw new IOException("model " + name + " in " + where + " has an unsafe file "
			+ "name " + file);
		return new Entry(name, o.get("url").getAsString(), sha, file, o.has("size") ? o.get("size").getAsLong() : -1);
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
