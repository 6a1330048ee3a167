package org.mvpseg.models;

import org.mvpseg.runtime.Progress;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Downloads a registry entry into the cache: streams to {@code <file>.part} with progress, resumes
 * with an HTTP Range request after an interrupted transfer when the server allows it, retries a few
 * times, verifies the SHA-256 (records it where the entry pins none) and only then moves the file into place
 * atomically. A lock file keeps
 * two processes from fetching the same model at once. On failure nothing partial stays behind.
 */
public final class ModelDownloader {

	private final ModelCache cache;
	private int attempts = 4;
	private long backoffMillis = 1000;
	private int timeoutMillis = 30_000;
	/** Where bytes go; replaced in tests to simulate a full disk. */
	interface Sink {
		OutputStream open(Path part, boolean append) throws IOException;
	}

	Sink sink = (part, append) -> append ? Files.newOutputStream(part, StandardOpenOption.APPEND)
		: Files.newOutputStream(part);

	public ModelDownloader(ModelCache cache) {
		this.cache = cache;
	}

	/** Attempts per download (default 4) and the first pause between them (doubling). */
	public ModelDownloader retries(int attempts, long backoffMillis) {
		this.attempts = Math.max(1, attempts);
		this.backoffMillis = backoffMillis;
		return this;
	}

	public ModelDownloader timeout(int millis) {
		this.timeoutMillis = millis;
		return this;
	}

	/** The verified local file for {@code e}, downloading it first if needed. */
	public Path fetch(ModelRegistry.Entry e, Progress progress) throws IOException {
		Path target = cache.pathOf(e);
		if (Files.isRegularFile(target)) return cache.verified(e);
		try {
			Files.createDirectories(target.getParent()); // the cache, or a model's own folder in it
		}
		catch (IOException ex) {
			throw new IOException("Cannot create the model cache " + cache.dir() + " (" + ex.getMessage()
				+ "). Choose another folder with --dir or the " + ModelCache.ENV + " environment variable.");
		}
		Path lockFile = target.resolveSibling("." + target.getFileName() + ".lock");
		try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
			FileLock lock = lockOrWait(ch, e, progress))
		{
			if (Files.isRegularFile(target)) return cache.verified(e); // another process finished it
			Path part = target.resolveSibling(target.getFileName() + ".part");
			try {
				download(e, part, progress);
				String actual = ModelCache.sha256(part);
				if (e.sha256() != null && !actual.equals(e.sha256())) throw new ModelCache.ChecksumException("Downloaded " + e.name()
					+ " has SHA-256 " + actual + " but the registry says " + e.sha256() + ". The transfer was corrupted "
					+ "or the server sent another file; nothing was kept. Try again, or download " + e.url()
					+ " by hand and place it at " + target);
				Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
				cache.remember(target, actual); // where the publisher pins none, the first download's is recorded
				return target;
			}
			finally {
				Files.deleteIfExists(part);
			}
		}
		finally {
			Files.deleteIfExists(lockFile);
		}
	}

	private static FileLock lockOrWait(FileChannel ch, ModelRegistry.Entry e, Progress progress) throws IOException {
		FileLock lock = ch.tryLock();
		if (lock != null) return lock;
		progress.update("waiting for another process downloading " + e.name(), 0, -1);
		return ch.lock();
	}

	private void download(ModelRegistry.Entry e, Path part, Progress progress) throws IOException {
		IOException last = null;
		long pause = backoffMillis;
		for (int attempt = 1; attempt <= attempts; attempt++) {
			progress.checkCancelled();
			try {
				if (transfer(e, part, progress)) return;
				last = new IOException("the transfer of " + e.name() + " ended early");
			}
			catch (PermanentFailure ex) {
				throw ex;
			}
			catch (UnknownHostException | ConnectException | NoRouteToHostException ex) {
				throw new IOException("Cannot reach " + URI.create(e.url()).getHost() + " to download " + e.name()
					+ " (" + ex.getClass().getSimpleName() + ": no network?). On a machine with network access "
					+ "download " + e.url() + " and place it at " + cache.pathOf(e) + (e.sha256() == null ? "" : " (SHA-256 " + e
					.sha256() + "); it is verified before first use") + ".");
			}
			catch (IOException ex) {
				if (isDiskFull(ex)) throw new IOException("The disk holding " + cache.dir() + " is full while "
					+ "downloading " + e.name() + "; nothing was kept. Free space or choose another cache folder with --dir "
					+ "or " + ModelCache.ENV + ".");
				last = ex;
			}
			if (attempt < attempts) {
				progress.update("retrying download of " + e.name() + " (" + last.getMessage() + ")", attempt, attempts);
				sleep(pause);
				pause *= 2;
			}
		}
		throw new IOException("Downloading " + e.name() + " from " + e.url() + " failed after " + attempts
			+ " attempts: " + last.getMessage() + ". Nothing was kept; try again later, or download the file by "
			+ "hand and place it at " + cache.pathOf(e));
	}

	/** One HTTP request; true when the file is complete. Resumes from the part file when possible. */
	private boolean transfer(ModelRegistry.Entry e, Path part, Progress progress) throws IOException {
		long have = Files.isRegularFile(part) ? Files.size(part) : 0;
		URI uri = URI.create(e.url());
		if (!"http".equalsIgnoreCase(uri.getScheme()) && !"https".equalsIgnoreCase(uri.getScheme())) throw new PermanentFailure(
			e.name() + "'s address " + e.url() + " is not http or https, the only downloads there are. Copy the file to "
				+ cache.pathOf(e) + " instead" + (e.sha256() == null ? "" : "; it is checked against the registry's SHA-256 "
					+ "before first use") + ".");
		HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
		c.setConnectTimeout(timeoutMillis);
		c.setReadTimeout(timeoutMillis);
		c.setInstanceFollowRedirects(true);
		if (have > 0) c.setRequestProperty("Range", "bytes=" + have + "-");
		try {
			int code = c.getResponseCode();
			boolean append;
			if (code == 206 && have > 0) append = true;
			else if (code == 200) append = false; // no range support: start again
			else if (code == 416 && have > 0) return true; // already complete
			else if (code == 404 || code == 403 || code == 410) throw new PermanentFailure(e.name() + " is not at "
				+ e.url() + " (HTTP " + code + "). The registry may be out of date; download the file by hand and "
				+ "place it at " + cache.pathOf(e));
			else throw new IOException("HTTP " + code + " from " + URI.create(e.url()).getHost());
			long length = c.getContentLengthLong();
			long start = append ? have : 0, total = length >= 0 ? start + length : e.size();
			long done = start;
			try (InputStream in = c.getInputStream(); OutputStream out = sink.open(part, append))
			{
				byte[] buf = new byte[1 << 16];
				long reported = 0;
				for (int n; (n = in.read(buf)) > 0;) {
					out.write(buf, 0, n);
					done += n;
					if (done - reported >= (1 << 22)) {
						progress.update("downloading " + e.name(), done, total);
						progress.checkCancelled();
						reported = done;
					}
				}
			}
			catch (SocketTimeoutException ex) {
				throw new IOException("the server stopped sending (timeout)");
			}
			progress.update("downloading " + e.name(), done, total);
			return length < 0 || done == total;
		}
		finally {
			c.disconnect();
		}
	}

	private static boolean isDiskFull(IOException ex) {
		for (Throwable t = ex; t != null; t = t.getCause()) {
			String m = t.getMessage();
			if (m != null && (m.contains("No space left") || m.contains("Disk quota") || m.contains("not enough space")))
				return true;
		}
		return false;
	}

	private static void sleep(long millis) throws IOException {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new java.io.InterruptedIOException("download interrupted");
		}
	}

	/** A failure that retrying cannot fix. */
	private static final class PermanentFailure extends IOException {
		PermanentFailure(String message) {
			super(message);
		}
	}
}
