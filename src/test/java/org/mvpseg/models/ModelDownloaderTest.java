package org.mvpseg.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvpseg.TestFiles;
import org.mvpseg.runtime.Progress;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/** The real download code against a local HTTP server on the loopback address. */
class ModelDownloaderTest {

	@TempDir
	Path tmp;

	private HttpServer server;
	private byte[] weights;
	private String sha;
	private final List<String> ranges = Collections.synchronizedList(new ArrayList<>());
	private final AtomicInteger flaky = new AtomicInteger(), errors = new AtomicInteger();

	@BeforeEach
	void start() throws IOException {
		Path f = TestFiles.fixture("clip-vit-tiny").resolve("clip.pt");
		weights = Files.readAllBytes(f);
		sha = ModelCache.sha256(f);
		server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		server.createContext("/good/", ex -> serve(ex, weights, true, weights.length));
		server.createContext("/norange/", ex -> serve(ex, weights, false, weights.length));
		server.createContext("/truncated/", ex -> serve(ex, weights, false, weights.length / 3));
		server.createContext("/flaky/", ex -> {
			// the first response breaks off half-way; later ones honour Range
			serve(ex, weights, true, flaky.getAndIncrement() == 0 ? weights.length / 2 : weights.length);
		});
		server.createContext("/error500/", ex -> {
			if (errors.getAndIncrement() < 2) {
				ex.sendResponseHeaders(500, -1);
				ex.close();
			}
			else serve(ex, weights, true, weights.length);
		});
		server.createContext("/missing/", ex -> {
			ex.sendResponseHeaders(404, -1);
			ex.close();
		});
		server.start();
	}

	@AfterEach
	void stop() {
		server.stop(0);
	}

	/** Sends {@code data} from the requested offset, but only up to byte {@code upTo}, then hangs up. */
	private void serve(HttpExchange ex, byte[] data, boolean ranges, int upTo) throws IOException {
		String range = ex.getRequestHeaders().getFirst("Range");
		int from = 0;
		if (range != null) this.ranges.add(range);
		if (range != null && ranges) {
			from = Integer.parseInt(range.replace("bytes=", "").replace("-", ""));
			ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (data.length - 1) + "/" + data.length);
			ex.sendResponseHeaders(206, data.length - from);
		}
		else ex.sendResponseHeaders(200, data.length);
		try (OutputStream out = ex.getResponseBody()) {
			out.write(data, from, Math.max(0, upTo - from));
		}
		catch (IOException ignored) {
			// the client may see the short body first
		}
		ex.close();
	}

	private ModelRegistry.Entry entry(String path, String sha256) {
		String url = "http://127.0.0.1:" + server.getAddress().getPort() + path + "clip.pt";
		return new ModelRegistry.Entry("tiny", url, sha256, "tiny.pt", weights.length);
	}

	private ModelDownloader downloader(Path dir) {
		return new ModelDownloader(new ModelCache(dir)).retries(3, 10).timeout(5000);
	}

	private static List<String> files(Path dir) throws IOException {
		if (!Files.isDirectory(dir)) return List.of();
		try (Stream<Path> s = Files.list(dir)) {
			return s.map(p -> p.getFileName().toString()).sorted().toList();
		}
	}

	@Test
	void goodFileIsVerifiedAndMovedIntoPlace() throws IOException {
		List<Long> seen = new ArrayList<>();
		Path got = downloader(tmp).fetch(entry("/good/", sha), (what, done, total) -> seen.add(done));
		assertEquals(tmp.resolve("tiny.pt"), got);
		assertEquals(sha, ModelCache.sha256(got));
		assertEquals(List.of("tiny.pt", "tiny.pt.sha256"), files(tmp));
		assertEquals((long) weights.length, seen.get(seen.size() - 1));
		assertTrue(new ModelCache(tmp).isVerified(entry("/good/", sha)));
		// a second fetch uses the cache without touching the network
		server.removeContext("/good/");
		assertEquals(got, downloader(tmp).fetch(entry("/good/", sha), Progress.NONE));
	}

	@Test
	void wrongChecksumKeepsNothing() {
		String wrong = "0".repeat(64);
		IOException e = assertThrows(ModelCache.ChecksumException.class, () -> downloader(tmp).fetch(entry("/good/",
			wrong), Progress.NONE));
		assertTrue(e.getMessage().contains("SHA-256") && e.getMessage().contains("nothing was kept"), e.getMessage());
		assertDoesNotLeave();
	}

	@Test
	void truncatedResponsesFailAfterRetriesAndKeepNothing() {
		IOException e = assertThrows(IOException.class, () -> downloader(tmp).fetch(entry("/truncated/", sha),
			Progress.NONE));
		assertTrue(e.getMessage().contains("failed after 3 attempts"), e.getMessage());
		assertDoesNotLeave();
	}

	@Test
	void interruptedTransferResumesWithRange() throws IOException {
		Path got = downloader(tmp).fetch(entry("/flaky/", sha), Progress.NONE);
		assertEquals(sha, ModelCache.sha256(got));
		assertEquals(List.of("bytes=" + weights.length / 2 + "-"), ranges, "second request resumes");
	}

	@Test
	void serverWithoutRangesRestartsFromZero() throws IOException {
		// prime a stale part file, as an earlier interrupted run would leave mid-download
		Files.write(tmp.resolve("tiny.pt.part"), new byte[100]);
		Path got = downloader(tmp).fetch(entry("/norange/", sha), Progress.NONE);
		assertEquals(sha, ModelCache.sha256(got));
	}

	@Test
	void serverErrorsAreRetried() throws IOException {
		Path got = downloader(tmp).fetch(entry("/error500/", sha), Progress.NONE);
		assertEquals(sha, ModelCache.sha256(got));
		assertEquals(3, errors.get());
	}

	@Test
	void notFoundFailsAtOnceWithAdvice() {
		IOException e = assertThrows(IOException.class, () -> downloader(tmp).fetch(entry("/missing/", sha),
			Progress.NONE));
		assertTrue(e.getMessage().contains("HTTP 404") && e.getMessage().contains("by hand"), e.getMessage());
		assertDoesNotLeave();
	}

	@Test
	void noNetworkExplainsTheManualDownload() {
		ModelRegistry.Entry e = new ModelRegistry.Entry("ViT-B/16", "http://127.0.0.1:1/ViT-B-16.pt", sha,
			"ViT-B-16.pt", -1);
		IOException ex = assertThrows(IOException.class, () -> downloader(tmp).fetch(e, Progress.NONE));
		assertTrue(ex.getMessage().contains("place it at " + tmp.resolve("ViT-B-16.pt")) && ex.getMessage().contains(
			"no network"), ex.getMessage());
	}

	@Test
	void fullDiskEndsCleanly() {
		ModelDownloader d = downloader(tmp);
		d.sink = (part, append) -> new FilterOutputStream(Files.newOutputStream(part)) {
			long written;

			@Override
			public void write(byte[] b, int off, int len) throws IOException {
				written += len;
				if (written > 100_000) throw new IOException("No space left on device");
				out.write(b, off, len);
			}
		};
		IOException e = assertThrows(IOException.class, () -> d.fetch(entry("/good/", sha), Progress.NONE));
		assertTrue(e.getMessage().contains("full") && e.getMessage().contains("nothing was kept"), e.getMessage());
		assertDoesNotLeave();
	}

	@Test
	void fileCopiedByHandIsVerifiedBeforeUse() throws IOException {
		Files.write(tmp.resolve("tiny.pt"), weights);
		server.stop(0);
		Path got = downloader(tmp).fetch(entry("/good/", sha), Progress.NONE);
		assertEquals(tmp.resolve("tiny.pt"), got);
		Files.write(tmp.resolve("tiny.pt"), new byte[] { 1, 2, 3 });
		IOException e = assertThrows(ModelCache.ChecksumException.class, () -> downloader(tmp).fetch(entry("/good/",
			sha), Progress.NONE));
		assertTrue(e.getMessage().contains("does not match"), e.getMessage());
	}

	@Test
	void cancelledDownloadKeepsNothing() {
		Progress cancel = new Progress() {
			@Override
			public void update(String what, long done, long total) {}

			@Override
			public boolean isCancelled() {
				return true;
			}
		};
		assertThrows(java.util.concurrent.CancellationException.class, () -> downloader(tmp).fetch(entry("/good/",
			sha), cancel));
		assertDoesNotLeave();
	}

	private void assertDoesNotLeave() {
		try {
			assertFalse(files(tmp).stream().anyMatch(f -> f.startsWith("tiny.pt")), "left behind: " + files(tmp));
		}
		catch (IOException e) {
			throw new AssertionError(e);
		}
	}
}
