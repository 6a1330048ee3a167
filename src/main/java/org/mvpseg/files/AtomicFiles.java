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

	/** Deletes a folder and everything in it (nothing when it does not exist): staged or half-installed leftovers. */
	public static void deleteTree(Path p) throws IOException {
		if (!Files.exists(p)) return;
		try (java.util.stream.Stream<Path> s = Files.walk(p)) {
			for (Path q : (Iterable<Path>) s.sorted(java.util.Comparator.reverseOrder())::iterator) Files.deleteIfExists(q);
		}
	}
}
