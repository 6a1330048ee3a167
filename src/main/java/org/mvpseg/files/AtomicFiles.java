package org.mvpseg.files;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Temporary siblings for write-then-rename: created with the user's normal permissions (unlike
 * {@code Files.createTempFile}, which makes them private) and hidden by a leading dot.
 */
public final class AtomicFiles {

	private AtomicFiles() {}

	public static Path tempSibling(Path target) throws IOException {
		Path dir = target.toAbsolutePath().getParent();
		Files.createDirectories(dir);
		for (int i = 0;; i++) {
			Path p = dir.resolve("." + target.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current()
				.nextLong() & 0xffffffffL) + ".part");
			try {
				Path created = Files.createFile(p);
				created.toFile().deleteOnExit(); // an interrupted run (Ctrl-C) leaves no partial file
				return created;
			}
			catch (FileAlreadyExistsException e) {
				if (i > 100) throw e;
			}
		}
	}

	/** A partial file untouched this long belongs to a run that was killed (a live run writes its rows steadily). */
	public static final java.time.Duration STALE = java.time.Duration.ofHours(1);

	/**
	 * Removes the temporary siblings of {@code target} ({@link #tempSibling}'s names) that nobody has written for
	 * {@link #STALE}: what a killed run (kill -9, power loss) leaves, since only a normal exit removes them. Returns
	 * how many were removed.
	 */
	public static int removeStaleParts(Path target) throws IOException {
		Path dir = target.toAbsolutePath().getParent();
		if (dir == null || !Files.isDirectory(dir)) return 0;
		String prefix = "." + target.getFileName() + ".";
		long before = System.currentTimeMillis() - STALE.toMillis();
		int removed = 0;
		try (java.nio.file.DirectoryStream<Path> parts = Files.newDirectoryStream(dir, p -> p.getFileName().toString()
			.startsWith(prefix) && p.getFileName().toString().endsWith(".part")))
		{
			for (Path p : parts) if (Files.getLastModifiedTime(p).toMillis() < before && Files.deleteIfExists(p)) removed++;
		}
		return removed;
	}

	/** Deletes a folder and everything in it (nothing when it does not exist): staged or half-installed leftovers. */
	public static void deleteTree(Path p) throws IOException {
		if (!Files.exists(p)) return;
		try (java.util.stream.Stream<Path> s = Files.walk(p)) {
			for (Path q : (Iterable<Path>) s.sorted(java.util.Comparator.reverseOrder())::iterator) Files.deleteIfExists(q);
		}
	}
}
