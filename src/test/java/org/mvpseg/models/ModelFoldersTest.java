package org.mvpseg.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvpseg.TestFiles;
import org.mvpseg.clip.ClipModel;
import org.mvpseg.runtime.Progress;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The science CLIPs in the built-in registry (models/science-models.json), and a model of several files (open_clip's
 * weights with its config and vocabulary beside) fetched by name into its own folder: the weights checked against the
 * pinned SHA-256, the files beside recorded on first download, nothing fetched twice, and the model loads.
 */
class ModelFoldersTest {

	@TempDir
	Path tmp;

	@Test
	void theBuiltInRegistryKnowsTheScienceClips() {
		ModelRegistry r = ModelRegistry.builtIn();
		assertEquals(12, r.entries().size());
		ModelRegistry.Entry b = r.get("biomedclip");
		assertEquals("BiomedCLIP/open_clip_pytorch_model.bin", b.file());
		assertEquals(64, b.sha256().length());
		ModelRegistry.About about = r.about("BiomedCLIP");
		assertTrue(about.licence().startsWith("MIT") && about.trainingData().contains("PMC-15M"), about.toString());
		assertEquals(List.of("this is a photo of {}"), about.templates());
		assertEquals(List.of("BiomedCLIP/open_clip_config.json", "BiomedCLIP/vocab.txt"), r.beside(b).stream().map(
			ModelRegistry.Entry::file).toList());
		assertNull(r.beside(b).get(0).sha256(), "no SHA-256 is published for the small files: none is invented");
		for (String name : new String[] { "PLIP", "QuiltNet" }) {
			assertTrue(r.about(name).paper() != null && r.about(name).templatesSource() != null, name);
			assertEquals(1, r.beside(r.get(name)).size(), name + ": its config");
		}
		assertNull(r.about("ViT-B/16").templates(), "OpenAI's models keep MaskCLIP's ensemble");
	}

	@Test
	void aModelOfSeveralFilesIsFetchedIntoItsFolderOnce() throws Exception {
		Path fx = TestFiles.fixture("biomedclip-tiny");
		AtomicInteger hits = new AtomicInteger();
		HttpServer server = TestFiles.serve(fx, hits);
		try {
			String base = "http://127.0.0.1:" + server.getAddress().getPort() + "/";
			Path json = Files.writeString(tmp.resolve("r.json"), "{\"models\": {\"Tiny\": {\"url\": \"" + base
				+ "open_clip_pytorch_model.bin\", \"sha256\": \"" + ModelCache.sha256(fx.resolve(
					"open_clip_pytorch_model.bin")) + "\", \"file\": \"tiny/open_clip_pytorch_model.bin\", \"beside\": {"
				+ "\"open_clip_config.json\": \"" + base + "open_clip_config.json\", \"vocab.txt\": \"" + base
				+ "vocab.txt\"}}}}");
			ModelCache cache = new ModelCache(tmp.resolve("cache"));
			ModelRegistry r = ModelRegistry.read(json);
			Path got = ModelResolver.resolve(null, "Tiny", r, cache, Progress.NONE).weights();
			assertEquals(cache.dir().resolve("tiny/open_clip_pytorch_model.bin"), got);
			assertEquals(3, hits.get());
			String recorded = Files.readString(got.resolveSibling("vocab.txt.sha256"));
			assertTrue(recorded.startsWith(ModelCache.sha256(fx.resolve("vocab.txt"))), recorded);
			ModelResolver.resolve(null, "Tiny", r, cache, Progress.NONE);
			assertEquals(3, hits.get(), "nothing is fetched twice");
			try (NDManager m = NDManager.newBaseManager(); ClipModel clip = ClipModel.load(got, m)) {
				assertTrue(clip.config().timmBert() && clip.config().contextLength() == 40);
			}
		}
		finally {
			server.stop(0);
		}
	}
}
