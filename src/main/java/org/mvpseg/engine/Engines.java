package org.mvpseg.engine;

import org.mvpseg.models.ModelCache;
import org.mvpseg.models.ModelDownloader;
import org.mvpseg.models.ModelRegistry;
import org.mvpseg.runtime.InstalledEngines;
import org.mvpseg.runtime.InstalledEngines.Installed;
import org.mvpseg.runtime.Progress;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;

/**
 * The engine cache: libtorch builds installed by MVP-SEG (docs/gpu.md). An install downloads the archive with
 * the models' resumable downloader (progress, resume, lock, retries), checks it (the SHA-256 where the registry
 * pins one, else records it; the zip's directory, every entry's CRC and size, the required libraries), unpacks it
 * beside its final place and renames it into place, so a folder that exists is complete. Layout:
 * {@code <dir>/pytorch-<version>-<flavor>-<platform>/} with the archive's files and {@code installed.properties}.
 */
public final class Engines {

	static final String MARKER = InstalledEngines.MARKER;

	private final Path dir;

	public Engines(Path dir) {
		this.dir = dir;
	}

	/** The cache {@link InstalledEngines#dir()} names. */
	public static Engines locate() {
		return new Engines(InstalledEngines.dir());
	}

	public Path dir() {
		return dir;
	}

	Path home(EngineRegistry.Entry e) {
		return dir.resolve("pytorch-" + e.version() + "-" + e.flavor() + "-" + e.platform());
	}

	/** The installed engines for {@code platform}, CUDA builds first. */
	public List<Installed> installed(String platform) {
		return InstalledEngines.installed(dir, platform);
	}

	private static Optional<Installed> read(Path home) {
		return InstalledEngines.read(home);
	}

	/** Downloads and installs {@code e} (nothing to do when it is installed already). */
	public Installed install(EngineRegistry.Entry e, Progress progress) throws IOException {
		Optional<Installed> have = read(home(e));
		if (have.isPresent()) return have.get();
		Files.createDirectories(dir);
		ModelRegistry.Entry download = new ModelRegistry.Entry("libtorch " + e.version() + " " + e.flavor(), e.url(), e
			.sha256(), e.file(), e.size());
		Path archive = new ModelDownloader(new ModelCache(dir)).fetch(download, progress);
		try {
			return installFrom(e, archive, ModelCache.sha256(archive), progress);
		}
		finally {
			Files.deleteIfExists(archive); // gigabytes: the unpacked copy is what is used
			Files.deleteIfExists(archive.resolveSibling(archive.getFileName() + ".sha256"));
		}
	}

	/**
	 * Installs {@code e} from an archive on disk (the user's own download; its SHA-256 is checked where the registry
	 * pins one). The archive is left where it is.
	 */
	public Installed installArchive(EngineRegistry.Entry e, Path archive, Progress progress) throws IOException {
		if (!Files.isRegularFile(archive)) throw new java.nio.file.NoSuchFileException(archive.toString());
		progress.update("checking " + archive.getFileName(), 0, -1);
		String sha = ModelCache.sha256(archive);
		if (e.sha256() != null && !e.sha256().equals(sha)) throw new ModelCache.ChecksumException(archive
			+ " has SHA-256 " + sha + " but " + e.url() + " has " + e.sha256() + "; nothing was installed.");
		return installFrom(e, archive, sha, progress);
	}

	private Installed installFrom(EngineRegistry.Entry e, Path archive, String sha, Progress progress)
		throws IOException
	{
		Files.createDirectories(dir);
		Path home = home(e), lockFile = dir.resolve("." + home.getFileName() + ".lock");
		try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
			FileLock lock = ch.lock())
		{
			Optional<Installed> have = read(home);
			if (have.isPresent()) return have.get(); // another process installed it meanwhile
			Path tmp = Files.createTempDirectory(dir, "." + home.getFileName() + ".");
			try {
				unpack(archive, tmp, progress);
				checkRequired(e, tmp, archive);
				writeMarker(e, tmp, sha);
				Files.move(tmp, home, StandardCopyOption.ATOMIC_MOVE);
			}
			finally {
				org.mvpseg.files.AtomicFiles.deleteTree(tmp);
			}
			return read(home).orElseThrow();
		}
		finally {
			Files.deleteIfExists(lockFile);
		}
	}

	/** Unpacks a zip after checking its central directory (a truncated file has none); entries' CRCs are checked. */
	static void unpack(Path archive, Path into, Progress progress) throws IOException {
		int expected;
		try (ZipFile z = new ZipFile(archive.toFile())) {
			expected = z.size();
		}
		catch (java.util.zip.ZipException ex) {
			throw new IOException(archive + " is not a complete zip archive (" + ex.getMessage() + "): the download "
				+ "was cut or the file is another one; nothing was installed. Install again.", ex);
		}
		int n = 0;
		try (ZipInputStream in = new ZipInputStream(Files.newInputStream(archive))) {
			for (ZipEntry z; (z = in.getNextEntry()) != null;) {
				progress.checkCancelled();
				Path out = into.resolve(z.getName()).normalize();
				if (!out.startsWith(into)) throw new IOException(archive + ": entry " + z.getName() + " lies outside "
					+ "the archive's folder; nothing was installed.");
				if (z.isDirectory()) Files.createDirectories(out);
				else {
					Files.createDirectories(out.getParent());
					try (OutputStream o = Files.newOutputStream(out)) {
						in.transferTo(o); // ZipInputStream checks the entry's CRC and size at its end
					}
				}
				progress.update("unpacking " + archive.getFileName(), ++n, expected);
			}
		}
		catch (java.util.zip.ZipException | java.io.EOFException ex) {
			throw new IOException(archive + " is damaged (" + ex.getMessage() + "); nothing was installed. Install "
				+ "again.", ex);
		}
		if (n != expected) throw new IOException(archive + " holds " + expected + " entries but " + n + " could be "
			+ "read; nothing was installed.");
	}

	private static void checkRequired(EngineRegistry.Entry e, Path unpacked, Path archive) throws IOException {
		List<String> missing = new ArrayList<>();
		for (String f : e.requires()) if (!Files.isRegularFile(unpacked.resolve(e.lib()).resolve(f))) missing.add(f);
		if (!missing.isEmpty()) throw new IOException(archive + " has no " + String.join(", ", missing) + " in " + e
			.lib() + "/: it is not libtorch " + e.version() + " " + e.flavor() + " for " + e.platform()
			+ "; nothing was installed.");
	}

	private static void writeMarker(EngineRegistry.Entry e, Path home, String sha) throws IOException {
		Properties p = new Properties();
		p.setProperty("version", e.version());
		p.setProperty("flavor", e.flavor());
		p.setProperty("platform", e.platform());
		p.setProperty("lib", e.lib());
		p.setProperty("sha256", sha);
		p.setProperty("url", e.url());
		p.setProperty("installed", java.time.Instant.now().toString());
		try (OutputStream out = Files.newOutputStream(home.resolve(MARKER))) {
			p.store(out, "MVP-SEG engine; delete this folder to uninstall");
		}
	}

	/** Removes an installed engine; false when it was not installed. */
	public boolean remove(EngineRegistry.Entry e) throws IOException {
		Path home = home(e);
		if (!Files.exists(home)) return false;
		Path gone = dir.resolve("." + home.getFileName() + ".removing");
		Files.move(home, gone, StandardCopyOption.ATOMIC_MOVE); // never half an engine under its real name
		org.mvpseg.files.AtomicFiles.deleteTree(gone);
		return true;
	}
}
