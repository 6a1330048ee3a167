package org.mvpseg.clip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvpseg.TestFiles;
import org.mvpseg.clip.io.WeightFormatException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The pathology CLIPs' layouts (src/bench/make_hf_openclip_fixtures.py): Hugging Face's CLIPModel as PLIP publishes it
 * (pytorch_model.bin + config.json) gives OpenAI's reference outputs of the same tiny model (every field of
 * clip-vit-tiny's expected.json); open_clip's as QuiltNet publishes it (open_clip_pytorch_model.bin +
 * open_clip_config.json without quick_gelu) computes open_clip's default exact GELU. All within 1e-4.
 */
class OtherLayoutsTest {

	@TempDir
	Path tmp;

	@Test
	void plipsHuggingFaceLayoutGivesOpenAisReference() throws Exception {
		try (NDManager m = NDManager.newBaseManager(); ClipModel clip = ClipModel.load(TestFiles.fixture("plip-tiny")
			.resolve("pytorch_model.bin"), m))
		{
			assertTrue(clip.config().quickGelu());
			Map<String, Double> err = new ReferenceCheck(TestFiles.fixture("clip-vit-tiny").resolve("expected.json")).run(
				clip, m);
			assertEquals(ReferenceCheck.FIELDS.length, err.size(), "fields compared: " + err.keySet());
			err.forEach((k, v) -> assertTrue(v <= 1e-4, k + " max abs error " + v));
		}
	}

	@Test
	void quiltNetsOpenClipLayoutUsesTheExactGelu() throws Exception {
		Path dir = TestFiles.fixture("quiltnet-tiny");
		JsonObject x = JsonParser.parseString(Files.readString(dir.resolve("expected.json"))).getAsJsonObject();
		JsonObject ref = JsonParser.parseString(Files.readString(TestFiles.fixture("clip-vit-tiny").resolve(
			"expected.json"))).getAsJsonObject();
		try (NDManager m = NDManager.newBaseManager(); ClipModel clip = ClipModel.load(dir.resolve(
			"open_clip_pytorch_model.bin"), m))
		{
			assertFalse(clip.config().quickGelu());
			assertTrue(clip.config().describe().contains("GELU"), clip.config().describe());
			TimmVisionTowerTest.assertClose(BiomedClipModelTest.floats(x, "image_features"), clip.encodeImage(
				BiomedClipModelTest.array(m, ref.getAsJsonObject("image_native"))), "image features");
			var ids = ref.getAsJsonArray("text_ids");
			long[][] rows = new long[ids.size()][];
			for (int r = 0; r < rows.length; r++) {
				rows[r] = new long[ids.get(r).getAsJsonArray().size()];
				for (int i = 0; i < rows[r].length; i++) rows[r][i] = ids.get(r).getAsJsonArray().get(i).getAsLong();
			}
			TimmVisionTowerTest.assertClose(BiomedClipModelTest.floats(x, "text_features"), clip.encodeText(m.create(
				rows)), "text features");
			NDArray img = BiomedClipModelTest.array(m, ref.getAsJsonObject("image_native"));
			for (DenseMode mode : DenseMode.values()) TimmVisionTowerTest.assertClose(TimmVisionTowerTest.floats(x
				.getAsJsonObject("dense").getAsJsonObject(mode.label())), clip.denseFeatures(img, mode), "dense " + mode
					.label() + " (exact GELU)");
		}
	}

	@Test
	void theConfigBesideDecidesTheActivation() throws Exception {
		Path bin = tmp.resolve("open_clip_pytorch_model.bin");
		Files.copy(TestFiles.fixture("quiltnet-tiny").resolve("open_clip_pytorch_model.bin"), bin);
		try (NDManager m = NDManager.newBaseManager()) {
			Files.writeString(tmp.resolve("open_clip_config.json"), "{\"model_cfg\": {\"quick_gelu\": true}}");
			try (ClipModel clip = ClipModel.load(bin, m)) {
				Map<String, Double> err = new ReferenceCheck(TestFiles.fixture("clip-vit-tiny").resolve("expected.json"))
					.run(clip, m);
				assertTrue(err.get("image_features") <= 1e-4 && err.get("text_features") <= 1e-4, err.toString());
			}
			Files.delete(tmp.resolve("open_clip_config.json"));
			Files.writeString(tmp.resolve("config.json"), "{\"text_config\": {\"hidden_act\": \"gelu_new\"}}");
			var e = assertThrows(WeightFormatException.class, () -> ClipModel.load(bin, m));
			assertTrue(e.getMessage().contains("gelu_new"), e.getMessage());
		}
	}

	/** verify-reference's check on the science layouts' own fixtures: every field their reference holds. */
	@Test
	void verifyReferenceChecksTheScienceLayoutsFixtures() throws Exception {
		Map<String, java.util.Set<String>> fields = Map.of("biomedclip-tiny", java.util.Set.of("text_features",
			"image_features", "maskclip_dense_features", "prompt_text_features"), "quiltnet-tiny", java.util.Set.of(
				"text_features", "image_features"));
		for (var f : fields.entrySet()) {
			Path dir = TestFiles.fixture(f.getKey());
			try (NDManager m = NDManager.newBaseManager(); ClipModel clip = ClipModel.load(dir.resolve(
				"open_clip_pytorch_model.bin"), m))
			{
				Map<String, Double> err = new ReferenceCheck(dir.resolve("expected.json")).run(clip, m);
				assertEquals(f.getValue(), err.keySet(), f.getKey());
				err.forEach((k, v) -> assertTrue(v <= 1e-4, f.getKey() + " " + k + " max abs error " + v));
			}
		}
	}
}
