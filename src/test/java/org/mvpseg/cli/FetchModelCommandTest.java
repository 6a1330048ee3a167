package org.mvpseg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvpseg.TestFiles;
import org.mvpseg.models.ModelCache;

import java.nio.file.Files;
import java.nio.file.Path;

/** fetch-model says what it checked: a pinned SHA-256 verified, or, where the registry pins none, the one recorded. */
class FetchModelCommandTest {

	@TempDir
	Path tmp;

	@Test
	void anUnpinnedModelIsFetchedWithTheFilesBesideItAndItsShaShown() throws Exception {
		Path fx = TestFiles.fixture("biomedclip-tiny");
		HttpServer server = TestFiles.serve(fx, new java.util.concurrent.atomic.AtomicInteger());
		try {
			String base = "http://127.0.0.1:" + server.getAddress().getPort() + "/";
			Path json = Files.writeString(tmp.resolve("r.json"), "{\"models\": {\"Tiny\": {\"url\": \"" + base
				+ "open_clip_pytorch_model.bin\", \"file\": \"tiny/open_clip_pytorch_model.bin\", \"beside\": {"
				+ "\"open_clip_config.json\": \"" + base + "open_clip_config.json\", \"vocab.txt\": \"" + base
				+ "vocab.txt\"}}}}");
			MainTest.Result r = MainTest.run("fetch-model", "Tiny", "--registry", json.toString(), "--dir", tmp.resolve(
				"cache").toString());
			assertEquals(0, r.code(), r.err());
			String sha = ModelCache.sha256(fx.resolve("open_clip_pytorch_model.bin"));
			assertTrue(r.out().contains("pins no SHA-256") && r.out().contains(sha), r.out());
			assertTrue(Files.isRegularFile(tmp.resolve("cache/tiny/vocab.txt")), "the files beside it are fetched too");
		}
		finally {
			server.stop(0);
		}
	}
}
