package org.mvpseg.models;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * The per-user folder of downloaded checkpoints. Its location, first match wins: the {@code --dir}
 * flag, the system property {@code mvpseg.models.dir}, the environment variable
 * {@code MVPSEG_MODELS}, {@code $XDG_CACHE_HOME/mvp-seg/models}, {@code ~/.cache/mvp-seg/models}.
 * A file placed there by hand is used once its SHA-256 matches the registry; the result of that
 * check is remembered in {@code <file>.sha256} (with the file's size and time) so it runs once.
 */
public final class ModelCache {

	public static final String PROPERTY = "mvpseg.models.dir";
	public static final String ENV = "MVPSEG_MODELS";

	private final Path dir;

	public ModelCache(Path dir) {
		this.dir = dir.toAbsolutePath();
	}

	/** The cache folder from {@code explicit} (may be null), the property, the environment or the default. */
	public static ModelCache locate(Path explicit) {
		if (explicit != null) return new ModelCache(explicit);
		String p = System.getProperty(PROPERTY);
		if (p != null && !p.isBlank()) return new ModelCache(Path.of(p));
		String e = System.getenv(ENV);
		if (e != null && !e.isBlank()) return new ModelCache(Path.of(e));
		String xdg = System.getenv("XDG_CACHE_HOME");
		Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
		return new ModelCache(base.resolve("mvp-seg").resolve("models"));
	}

	public Path dir() {
		return dir;
	}

	/** Whether a registry's name stays a plain name inside the cache folder (no separator, not hidden or "..")). */
	public static boolean isSafeName(String name) {
		return !name.isEmpty() && !name.contains("/") && !name.contains("\\") && !name.startsWith(".");
	}

	/**
	 * A relative path of safe names ({@code libtorch/lib}): not absolute, no {@code ..}, {@code .} or hidden part,
	 * no backslash — so a registry's path stays inside the folder it is resolved against.
	 */
	public static boolean isSafeRelativePath(String path) {
		if (path.isEmpty() || path.startsWith("/") || path.contains("\\") || path.contains(":")) return false;
		for (String part : path.split("/", -1)) if (!isSafeName(part)) return false;
		return true;
	}

	public Path pathOf(ModelRegistry.Entry e) {
		return dir.resolve(e.file());
	}

	public boolean isPresent(ModelRegistry.Entry e) {
		return Files.isRegularFile(pathOf(e));
	}

	/** True if the file's verification is on record and the file has not changed since. */
	public boolean isVerified(ModelRegistry.Entry e) throws IOException {
		Path f = pathOf(e), mark = marker(f);
		if (!Files.isRegularFile(f) || !Files.isRegularFile(mark)) return false;
		return Files.readString(mark).strip().equals(stamp(f, e.sha256()));
	}

	/**
	 * Checks the cached file against the registry's SHA-256 (hashing it only when no valid record
	 * exists). A mismatch leaves the file where it is and says what to do.
	 */
	public Path verified(ModelRegistry.Entry e) throws IOException {
		Path f = pathOf(e);
		if (e.sha256() == null) return f; // nothing pinned to check against
		if (isVerified(e)) return f;
		String actual = sha256(f);
		if (!actual.equals(e.sha256())) {
			throw new ChecksumException("The cached file " + f + " does not match " + e.name() + " (SHA-256 " + actual
				+ ", expected " + e.sha256() + "). Delete it and run fetch-model " + e.name()
				+ " again, or replace it with the file from " + e.url());
		}
		remember(f, e.sha256());
		return f;
	}

	/** The SHA-256 recorded for {@code f} when it was downloaded or verified, or null when none is on record. */
	public static String recorded(Path f) throws IOException {
		Path mark = marker(f);
		if (!Files.isRegularFile(mark)) return null;
		String[] v = Files.readString(mark).strip().split(" ");
		return v.length == 3 && v[1].equals(Long.toString(Files.size(f))) ? v[0] : null;
	}

	void remember(Path f, String sha) throws IOException {
		Files.writeString(marker(f), stamp(f, sha) + "\n");
	}

	private static Path marker(Path f) {
		return f.resolveSibling(f.getFileName() + ".sha256");
	}

	private static String stamp(Path f, String sha) throws IOException {
		FileTime t = Files.getLastModifiedTime(f);
		return sha + " " + Files.size(f) + " " + t.toMillis();
	}

	public static String sha256(Path f) throws IOException {
		try (InputStream in = Files.newInputStream(f)) {
			MessageDigest md = MessageDigest.getInstance("SHA-256");
			byte[] buf = new byte[1 << 20];
			for (int n; (n = in.read(buf)) > 0;) md.update(buf, 0, n);
			return HexFormat.of().formatHex(md.digest()).toLowerCase(Locale.ROOT);
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** A file whose SHA-256 differs from the registry's. */
	public static final class ChecksumException extends IOException {
		public ChecksumException(String message) {
			super(message);
		}
	}
}
