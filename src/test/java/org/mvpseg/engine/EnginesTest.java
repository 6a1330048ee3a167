package org.mvpseg.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvpseg.models.ModelCache;
import org.mvpseg.runtime.Progress;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Installing an engine from a local HTTP server: good, wrong checksum, cut transfers, damaged archives. */
class EnginesTest {

	@TempDir
	Path tmp;

	private java.net.ServerSocket server;
	private final AtomicInteger requests = new AtomicInteger(), ranged = new AtomicInteger();

	@AfterEach
	void stop() throws IOException {
		if (server != null) server.close();
	}

	static final Progress QUIET = (what, done, total) -> {};

	/** A small archive shaped like libtorch's: libtorch/lib/ with the required files. */
	static byte[] archive(String... files) throws IOException {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		try (ZipOutputStream z = new ZipOutputStream(bytes)) {
			z.putNextEntry(new ZipEntry("libtorch/"));
			z.closeEntry();
			for (String f : files) {
				z.putNextEntry(new ZipEntry("libtorch/lib/" + f));
				byte[] body = new byte[50_000];
				Arrays.fill(body, (byte) f.length());
				z.write(body);
				z.closeEntry();
			}
		}
		return bytes.toByteArray();
	}

	static EngineRegistry.Entry entry(String url, String sha) {
		return new EngineRegistry.Entry("cuda-test", "linux-x86_64", "2.7.1", "cu128", url, sha, "engine.zip", -1,
			"libtorch/lib", List.of("libtorch.so", "libtorch_cuda.so"));
	}

	/**
	 * Serves {@code body} over plain sockets (so a cut really closes the connection); the first response stops after
	 * {@code cutFirst} bytes when positive. Range requests are honoured.
	 */
	private String serve(byte[] body, int cutFirst) throws IOException {
		java.net.ServerSocket ss = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
		server = ss;
		Thread t = new Thread(() -> {
			while (!ss.isClosed()) {
				try (java.net.Socket c = ss.accept()) {
					answer(c, body, requests.incrementAndGet() == 1 ? cutFirst : 0);
				}
				catch (IOException e) {
					// closed, or the client went away
				}
			}
		});
		t.setDaemon(true);
		t.start();
		return "http://127.0.0.1:" + ss.getLocalPort() + "/engine.zip";
	}

	private void answer(java.net.Socket c, byte[] body, int cut) throws IOException {
		java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(c.getInputStream(),
			java.nio.charset.StandardCharsets.ISO_8859_1));
		int from = 0;
		for (String line; (line = in.readLine()) != null && !line.isEmpty();)
			if (line.toLowerCase(java.util.Locale.ROOT).startsWith("range: bytes=")) {
				ranged.incrementAndGet();
				from = Integer.parseInt(line.replaceAll("(?i)range: bytes=(\\d+)-.*", "$1"));
			}
		String head = (from > 0 ? "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes " + from + "-" + (body.length - 1)
			+ "/" + body.length : "HTTP/1.1 200 OK") + "\r\nContent-Length: " + (body.length - from)
			+ "\r\nConnection: close\r\n\r\n";
		OutputStream out = c.getOutputStream();
		out.write(head.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
		out.write(body, from, (cut > 0 ? cut : body.length) - from);
		out.flush();
	}

	@Test
	void installsUnpacksAndRecordsTheArchivesSha() throws Exception {
		byte[] zip = archive("libtorch.so", "libtorch_cuda.so", "libc10.so");
		Engines engines = new Engines(tmp.resolve("engines"));
		org.mvpseg.runtime.InstalledEngines.Installed i = engines.install(entry(serve(zip, 0), null), QUIET);
		assertTrue(Files.isRegularFile(i.lib().resolve("libtorch_cuda.so")));
		assertEquals(sha(zip), i.sha256(), "no SHA-256 published: the first download's is recorded");
		assertEquals("cu128", i.flavor());
		assertEquals(List.of(i), engines.installed("linux-x86_64"));
		assertEquals(List.of(), engines.installed("win-x86_64"));
		try (Stream<Path> s = Files.list(engines.dir())) {
			assertEquals(List.of(i.home().getFileName().toString()), s.map(p -> p.getFileName().toString()).toList(),
				"the archive and its temporary files are gone");
		}
		assertEquals(i, engines.install(entry("http://127.0.0.1:1/unused", null), QUIET), "installed: nothing to do");
		assertTrue(engines.remove(entry("x", null)));
		assertEquals(List.of(), engines.installed("linux-x86_64"));
		assertFalse(engines.remove(entry("x", null)));
	}

	@Test
	void aPinnedChecksumThatDiffersInstallsNothing() throws Exception {
		byte[] zip = archive("libtorch.so", "libtorch_cuda.so");
		Engines engines = new Engines(tmp.resolve("engines"));
		IOException e = assertThrows(ModelCache.ChecksumException.class, () -> engines.install(entry(serve(zip, 0),
			"0".repeat(64)), QUIET));
		assertTrue(e.getMessage().contains("nothing was kept"), e.getMessage());
		assertEquals(List.of(), engines.installed("linux-x86_64"));
		assertEquals(List.of(), listing(engines.dir()));
	}

	@Test
	void aCutTransferResumesWithARange() throws Exception {
		byte[] zip = archive("libtorch.so", "libtorch_cuda.so");
		Engines engines = new Engines(tmp.resolve("engines"));
		org.mvpseg.runtime.InstalledEngines.Installed i = engines.install(entry(serve(zip, zip.length / 3), sha(zip)), QUIET);
		assertEquals(sha(zip), i.sha256());
		assertTrue(ranged.get() >= 1, "the second request asked for the rest");
	}

	@Test
	void aTruncatedOrForeignArchiveInstallsNothing() throws Exception {
		byte[] zip = archive("libtorch.so", "libtorch_cuda.so");
		Engines engines = new Engines(tmp.resolve("engines"));
		IOException cut = assertThrows(IOException.class, () -> engines.install(entry(serve(Arrays.copyOf(zip, zip.length
			/ 2), 0), null), QUIET));
		assertTrue(cut.getMessage().contains("not a complete zip archive"), cut.getMessage());
		stop();
		IOException foreign = assertThrows(IOException.class, () -> engines.install(entry(serve(archive("libtorch.so"),
			0), null), QUIET));
		assertTrue(foreign.getMessage().contains("has no libtorch_cuda.so"), foreign.getMessage());
		assertEquals(List.of(), engines.installed("linux-x86_64"));
		assertEquals(List.of(), listing(engines.dir()), "no archive, no half-unpacked folder");
	}

	/** Without network the message names the archive's address and where to put it; put there, it installs. */
	@Test
	void withoutNetworkTheMessageSaysWhereTheArchiveGoes() throws Exception {
		Engines engines = new Engines(tmp.resolve("engines"));
		String url = "http://127.0.0.1:9/engine.zip"; // the discard port: nothing listens
		IOException e = assertThrows(IOException.class, () -> engines.install(entry(url, null), QUIET));
		Path where = engines.dir().resolve("engine.zip");
		assertTrue(e.getMessage().contains(url) && e.getMessage().contains("place it at " + where), e.getMessage());
		Files.write(where, archive("libtorch.so", "libtorch_cuda.so"));
		assertTrue(Files.isRegularFile(engines.install(entry(url, null), QUIET).lib().resolve("libtorch_cuda.so")));
		assertTrue(!Files.exists(where), "the archive is unpacked and removed");
	}

	@Test
	void aLocalArchiveInstallsAndStaysWhereItIs() throws Exception {
		Path zip = Files.write(tmp.resolve("libtorch.zip"), archive("libtorch.so", "libtorch_cuda.so"));
		Engines engines = new Engines(tmp.resolve("engines"));
		org.mvpseg.runtime.InstalledEngines.Installed i = engines.installArchive(entry("https://example.org/x.zip", null), zip, QUIET);
		assertEquals(ModelCache.sha256(zip), i.sha256());
		assertTrue(Files.exists(zip));
		assertThrows(java.nio.file.NoSuchFileException.class, () -> engines.installArchive(entry("u", null), tmp
			.resolve("missing.zip"), QUIET));
	}

	@Test
	void theBuiltInRegistryNamesTheCudaBuildsDjlHasAJniFor() {
		EngineRegistry r = EngineRegistry.builtIn();
		EngineRegistry.Entry linux = r.forPlatform("cuda", "linux-x86_64");
		assertEquals("cu128", linux.flavor());
		assertEquals("2.7.1", linux.version());
		assertTrue(linux.url().startsWith("https://download.pytorch.org/libtorch/cu128/"), linux.url());
		assertTrue(r.forPlatform("cuda", "win-x86_64").requires().contains("torch_cuda.dll"));
		var e = assertThrows(org.mvpseg.runtime.RequestException.class, () -> r.forPlatform("cuda", "osx-aarch64"));
		assertTrue(e.getMessage().contains("linux-x86_64 and win-x86_64"), e.getMessage());
	}

	/**
	 * A registry whose file, version, lib or required files would lead outside the engine cache is refused, as a model
	 * registry's is.
	 */
	@Test
	void registryNamesThatLeaveTheCacheAreRefused() throws IOException {
		String ok = "{\"engines\": {\"cuda-linux-x86_64\": {\"platform\": \"linux-x86_64\", \"version\": \"2.7.1\", "
			+ "\"flavor\": \"cu128\", \"url\": \"http://h/e.zip\", \"file\": \"e.zip\", \"lib\": \"libtorch/lib\", "
			+ "\"requires\": []}}}";
		Path good = Files.writeString(tmp.resolve("good.json"), ok);
		assertEquals("e.zip", EngineRegistry.read(good).forPlatform("cuda", "linux-x86_64").file());
		for (String bad : List.of(ok.replace("\"e.zip\"", "\"../e.zip\""), ok.replace("\"2.7.1\"",
			"\"../../x\""), ok.replace("\"libtorch/lib\"", "\"../../../home/x\""), ok.replace("\"libtorch/lib\"",
				"\"/usr/lib\""), ok.replace("\"libtorch/lib\"", "\"libtorch/../..\""), ok.replace("[]",
					"[\"../../libx.so\"]"))) {
			IOException e = assertThrows(IOException.class, () -> EngineRegistry.read(Files.writeString(tmp.resolve(
				"bad.json"), bad)));
			assertTrue(e.getMessage().contains("unsafe name"), e.getMessage());
		}
	}

	private static List<String> listing(Path dir) throws IOException {
		if (!Files.exists(dir)) return List.of();
		try (Stream<Path> s = Files.list(dir)) {
			return s.map(p -> p.getFileName().toString()).toList();
		}
	}

	static String sha(byte[] b) throws Exception {
		return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(b));
	}
}
