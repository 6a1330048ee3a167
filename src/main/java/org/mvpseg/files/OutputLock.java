package org.mvpseg.files;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An exclusive lock on an output folder, held while a run moves a finished set of files into place,
 * so two runs (two processes, or two threads of one) never interleave their files. It is an
 * operating-system file lock on a hidden {@code .mvpseg.lock} in the folder, which stays there
 * (deleting it would let a third run lock a different file); a lock held by a crashed process is
 * released by the operating system. A training run holds the same kind of lock on its one output file
 * ({@link #tryAcquireFor}) for the whole run.
 */
public final class OutputLock implements AutoCloseable {

	/** File locks are per process: threads of one JVM are ordered by this lock first. */
	private static final Map<Path, ReentrantLock> IN_PROCESS = new ConcurrentHashMap<>();

	private final ReentrantLock local;
	private final FileChannel channel;
	private final FileLock lock;

	private OutputLock(ReentrantLock local, FileChannel channel, FileLock lock) {
		this.local = local;
		this.channel = channel;
		this.lock = lock;
	}

	/** Waits until the folder's lock is free and takes it. */
	public static OutputLock acquire(Path dir) throws IOException {
		Files.createDirectories(dir);
		return lock(dir.toAbsolutePath().normalize().resolve(".mvpseg.lock"), true);
	}

	/**
	 * The lock of one output file ({@code .NAME.mvpseg.lock} beside it), without waiting: null while another run (a
	 * process, or a thread of this one) holds it. A training run holds it from before its checks to its last write.
	 */
	public static OutputLock tryAcquireFor(Path file) throws IOException {
		Path abs = file.toAbsolutePath().normalize();
		return lock(abs.resolveSibling("." + abs.getFileName() + ".mvpseg.lock"), false);
	}

	private static OutputLock lock(Path file, boolean wait) throws IOException {
		refuseLink(file);
		ReentrantLock local = IN_PROCESS.computeIfAbsent(file, f -> new ReentrantLock());
		if (!wait && (local.isHeldByCurrentThread() || !local.tryLock())) return null;
		if (wait) local.lock();
		FileChannel ch = null;
		try {
			// NOFOLLOW_LINKS: a link planted between the check above and this open is refused too
			ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
			FileLock l = wait ? ch.lock() : ch.tryLock();
			if (l == null) {
				ch.close();
				local.unlock();
				return null;
			}
			return new OutputLock(local, ch, l);
		}
		catch (IOException | RuntimeException e) {
			if (ch != null) ch.close();
			local.unlock();
			if (e instanceof OverlappingFileLockException) return null;
			if (Files.isSymbolicLink(file)) refuseLink(file);
			throw e;
		}
	}

	/** A lock file that is a link would make the lock write wherever it points (and lock that file instead). */
	private static void refuseLink(Path file) throws IOException {
		if (Files.isSymbolicLink(file)) throw new IOException("The lock file " + file + " is a symbolic link, not "
			+ "MVP-SEG's lock; remove it (a lock file holds nothing) and run again.");
	}

	@Override
	public void close() throws IOException {
		try {
			lock.release();
			channel.close();
		}
		finally {
			local.unlock();
		}
	}
}
