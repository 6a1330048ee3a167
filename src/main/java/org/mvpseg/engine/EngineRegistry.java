package org.mvpseg.engine;

import com.google.gson.JsonObject;
import org.mvpseg.files.JsonRegistry;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The libtorch builds MVP-SEG can install (a copy of {@code models/engines.json}): per platform, the archive's
 * address, the folder in it that holds the libraries, and the files that must be there.
 */
public final class EngineRegistry {

	/**
	 * One installable libtorch. {@code sha256} is null where the publisher gives none (then the first download's
	 * is recorded); {@code size} is -1 when unknown.
	 */
	public record Entry(String name, String platform, String version, String flavor, String url, String sha256,
		String file, long size, String lib, List<String> requires) {}

	private final Map<String, Entry> entries;

	private EngineRegistry(Map<String, Entry> entries) {
		this.entries = entries;
	}

	private static final JsonRegistry<Entry> FORMAT = new JsonRegistry<>("engines", "a valid engine registry",
		EngineRegistry::entry);

	public static EngineRegistry builtIn() {
		return new EngineRegistry(FORMAT.builtIn(EngineRegistry.class, "engines.json", "built-in engine registry"));
	}

	public static EngineRegistry read(Path file) throws IOException {
		return new EngineRegistry(FORMAT.read(file));
	}

	private static Entry entry(String name, JsonObject o, String where) throws IOException {
		List<String> requires = new ArrayList<>();
		o.getAsJsonArray("requires").forEach(x -> requires.add(x.getAsString()));
		Entry entry = new Entry(name, o.get("platform").getAsString(), o.get("version").getAsString(), o.get("flavor")
			.getAsString(), o.get("url").getAsString(), o.has("sha256") && !o.get("sha256").isJsonNull() ? o.get("sha256")
				.getAsString() : null, o.get("file").getAsString(), o.has("size") ? o.get("size").getAsLong() : -1, o.get(
					"lib").getAsString(), List.copyOf(requires));
		checkPaths(entry, where);
		return entry;
	}

	/**
	 * Every path-like field, one check: the download's file and the install folder's name are made of file, version,
	 * flavor and platform (single names); lib and requires are paths inside the unpacked archive. None may leave the
	 * cache or the archive.
	 */
	private static void checkPaths(Entry entry, String where) throws IOException {
		List<String> names = List.of(entry.file(), entry.version(), entry.flavor(), entry.platform());
		List<String> paths = new ArrayList<>(entry.requires());
		paths.add(entry.lib());
		for (String part : names) if (!org.mvpseg.models.ModelCache.isSafeName(part)) throw unsafe(entry, where, part);
		for (String part : paths) if (!org.mvpseg.models.ModelCache.isSafeRelativePath(part)) throw unsafe(entry, where,
			part);
	}

	private static IOException unsafe(Entry entry, String where, String part) {
		return new IOException("engine " + entry.name() + " in " + where + " has an unsafe name or path \"" + part
			+ "\" (it would leave the engine cache); use a registry from MVP-SEG's release.");
	}

	public List<Entry> entries() {
		return List.copyOf(entries.values());
	}

	/** The entry of {@code kind} ("cuda", or a registry's own kind) for this machine's platform. */
	public Entry forPlatform(String kind, String platform) {
		Entry e = entries.get(kind + "-" + platform);
		if (e == null) throw new org.mvpseg.runtime.RequestException("No " + kind + " engine for " + platform
			+ ": MVP-SEG can install " + String.join(", ", entries.keySet()) + " (DJL 0.36 has a CUDA JNI for "
			+ "linux-x86_64 and win-x86_64 only).");
		return e;
	}

	/** This machine's platform in DJL's words (linux-x86_64, win-x86_64, osx-aarch64…). */
	public static String platform() {
		return org.mvpseg.runtime.InstalledEngines.platform();
	}
}
