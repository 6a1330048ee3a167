package org.mvpseg.models;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import org.mvpseg.files.JsonRegistry;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Known CLIP checkpoints: name → download address, SHA-256 and file name (the format of
 * {@code models/openai-models.json}). The built-in registry lists OpenAI's nine releases and the CLIPs that know
 * science ({@code models/science-models.json}: BiomedCLIP, PLIP, QuiltNet). Optional per model: {@code sha256} (absent
 * where the publisher pins none: the first download's is recorded and shown), {@code file} as a relative path (a
 * model of several files keeps them in its own folder), {@code beside} (further files of the model, {file: url},
 * fetched into the same folder, their SHA-256 recorded on first download), and what users should know
 * ({@link About}).
 */
public final class ModelRegistry {

	public static final String DEFAULT_MODEL = "ViT-B/16";

	/** One downloadable checkpoint. {@code size} is -1 when the registry does not state it; {@code sha256} null when unpinned. */
	public record Entry(String name, String url, String sha256, String file, long size) {}

	/**
	 * What the registry says about a model beyond its main file: licence, training data, paper, its own default
	 * templates (null: MaskCLIP's ensemble) with their source, and the files beside the main one ({file: url}).
	 */
	public record About(String licence, String trainingData, String paper, List<String> templates,
		String templatesSource, Map<String, String> beside, String sizeText) {

		static final About NONE = new About(null, null, null, null, null, Map.of(), null);
	}

	private final Map<String, Entry> entries;
	private final Map<String, About> about;

	private ModelRegistry(Map<String, Entry> entries, Map<String, About> about) {
		this.entries = entries;
		this.about = about;
	}

	/** One model as the registry file states it. */
	private record Read(Entry entry, About about) {}

	private static final JsonRegistry<Read> FORMAT = new JsonRegistry<>("models", "a model registry ({\"models\": "
		+ "{name: {url, sha256, file}}})", ModelRegistry::read);

	/** The registry shipped in the jar (copies of {@code models/openai-models.json} and {@code science-models.json}). */
	public static ModelRegistry builtIn() {
		Map<String, Read> all = new LinkedHashMap<>();
		for (String name : new String[] { "openai-models.json", "science-models.json" })
			all.putAll(FORMAT.builtIn(ModelRegistry.class, name, "built-in registry"));
		return of(all);
	}

	public static ModelRegistry read(Path file) throws IOException {
		return of(FORMAT.read(file));
	}

	private static ModelRegistry of(Map<String, Read> read) {
		Map<String, Entry> entries = new LinkedHashMap<>();
		Map<String, About> about = new LinkedHashMap<>();
		read.forEach((name, r) -> {
			entries.put(name, r.entry());
			about.put(name, r.about());
		});
		return new ModelRegistry(entries, about);
	}

	private static Read read(String name, JsonObject o, String where) throws IOException {
		if (!o.has("url") || !o.get("url").isJsonPrimitive()) throw new IOException("model " + name + " in " + where
			+ " has no \"url\" (each model needs url; sha256, file, size and beside are optional)");
		String sha = o.has("sha256") ? o.get("sha256").getAsString().toLowerCase(Locale.ROOT) : null;
		if (sha != null && !sha.matches("[0-9a-f]{64}")) throw new IOException("model " + name + " in " + where
			+ " has an invalid sha256");
		String file = o.has("file") ? o.get("file").getAsString() : name.replace('/', '-') + ".pt";
		if (!ModelCache.isSafeRelativePath(file)) throw new IOException("model " + name + " in " + where
			+ " has an unsafe file name " + file);
		return new Read(new Entry(name, o.get("url").getAsString(), sha, file, o.has("size") ? o.get("size")
			.getAsLong() : -1), about(o, name, where));
	}

	private static About about(JsonObject o, String name, String where) throws IOException {
		Map<String, String> beside = new LinkedHashMap<>();
		if (o.has("beside")) for (Map.Entry<String, JsonElement> b : o.getAsJsonObject("beside").entrySet()) {
			if (!ModelCache.isSafeName(b.getKey())) throw new IOException("model " + name + " in " + where
				+ " has an unsafe file name " + b.getKey());
			beside.put(b.getKey(), b.getValue().getAsString());
		}
		List<String> templates = null;
		if (o.has("templates")) {
			templates = new ArrayList<>();
			for (JsonElement t : o.getAsJsonArray("templates")) templates.add(t.getAsString());
		}
		return new About(text(o, "licence"), text(o, "training_data"), text(o, "paper"), templates == null ? null
			: List.copyOf(templates), text(o, "templates_source"), Collections.unmodifiableMap(beside), text(o,
				"size_text"));
	}

	private static String text(JsonObject o, String key) {
		return o.has(key) ? o.get(key).getAsString() : null;
	}

	/** What the registry says about {@code name} beyond its file ({@link About#NONE} when nothing). */
	public About about(String name) {
		return about.getOrDefault(get(name).name(), About.NONE);
	}

	/** The files beside {@code e}'s main file, as entries of their own (no SHA-256 pinned: recorded on first download). */
	public List<Entry> beside(Entry e) {
		List<Entry> out = new ArrayList<>();
		int slash = e.file().lastIndexOf('/');
		String dir = slash < 0 ? "" : e.file().substring(0, slash + 1);
		about(e.name()).beside().forEach((file, url) -> out.add(new Entry(e.name() + " " + file, url, null, dir + file,
			-1)));
		return out;
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
