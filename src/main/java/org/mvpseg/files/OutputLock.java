package org.mvpseg.files;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
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
 * released by the operating system.
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
		Path file = dir.toAbsolutePath().normalize().resolve(".mvpseg.lock");
		ReentrantLock local = IN_PROCESS.computeIfAbsent(file, f -> new ReentrantLock());
		local.lock();
		FileChannel ch = null;
		try {
			ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
			return new OutputLock(local, ch, ch.lock());
		}
		catch (IOException | RuntimeException e) {
			if (ch != null) ch.close();
			local.unlock();
			throw e;
		}
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
