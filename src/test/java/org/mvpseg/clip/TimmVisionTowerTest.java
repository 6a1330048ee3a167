package org.mvpseg.clip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.mvpseg.TestFiles;
import org.mvpseg.clip.io.WeightFormatException;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The timm ViT image tower against src/bench/make_timm_fixture.py (timm's VisionTransformer and open_clip's TimmModel
 * head as BiomedCLIP configures them, re-written in PyTorch) on a tiny random tower: image features and the dense
 * features of every {@link DenseMode}.
 */
class TimmVisionTowerTest {

	static final Path DIR = TestFiles.fixture("timm-vit-tiny");

	@Test
	void imageFeaturesEqualTheReference() throws Exception {
		JsonObject expected = JsonParser.parseString(Files.readString(DIR.resolve("expected.json"))).getAsJsonObject();
		JsonArray px = expected.getAsJsonArray("images"), features = expected.getAsJsonArray("features");
		int heads = expected.getAsJsonObject("config").get("heads").getAsInt();
		try (NDManager m = NDManager.newBaseManager("PyTorch"); TimmVisionTower tower = TimmVisionTower.load(DIR.resolve(
			"visual.safetensors"), heads, m))
		{
			assertEquals(new TimmVisionTower.Config(48, 4, 2, 8, 4, 24), tower.config());
			float[] images = new float[px.size()];
			for (int i = 0; i < images.length; i++) images[i] = px.get(i).getAsFloat();
			NDArray got = tower.encodeImage(m.create(images, new Shape(2, 3, 32, 32)));
			double worst = BertTextTowerTest.largestDifference(got, features);
			assertTrue(worst < 1e-4, "largest difference " + worst);
			var size = assertThrows(IllegalArgumentException.class, () -> tower.encodeImage(m.zeros(new Shape(1, 3, 30,
				32))));
			assertTrue(size.getMessage().contains("patch size 8"), size.getMessage());
		}
	}

	/**
	 * Every dense mode and MaskCLIP's keys on the native 4×4 grid and on a 6×5 grid (positions resized bicubically),
	 * against the same last-block surgery as make_peer_fixtures.py's, on timm's blocks.
	 */
	@Test
	void denseFeaturesOfEveryModeEqualTheReference() throws Exception {
		JsonObject expected = JsonParser.parseString(Files.readString(DIR.resolve("expected.json"))).getAsJsonObject();
		JsonObject dense = expected.getAsJsonObject("dense");
		JsonArray px = expected.getAsJsonArray("images");
		float[] native_ = new float[px.size()];
		for (int i = 0; i < native_.length; i++) native_[i] = px.get(i).getAsFloat();
		try (NDManager m = NDManager.newBaseManager("PyTorch"); TimmVisionTower tower = TimmVisionTower.load(DIR.resolve(
			"visual.safetensors"), 4, m))
		{
			NDArray[] images = { m.create(native_, new Shape(2, 3, 32, 32)), m.create(floats(expected.getAsJsonObject(
				"other_image")), new Shape(1, 3, 48, 40)) };
			String[] grids = { "native", "other" };
			for (int g = 0; g < 2; g++) {
				for (DenseMode mode : DenseMode.values()) assertClose(floats(dense.getAsJsonObject(grids[g] + "_" + mode
					.label())), tower.denseFeatures(images[g], mode), grids[g] + " " + mode.label());
				assertClose(floats(dense.getAsJsonObject(grids[g] + "_keys")), tower.denseFeaturesAndKeys(images[g],
					DenseMode.MASKCLIP).get(1), grids[g] + " keys");
			}
		}
	}

	/** The {@code data} of a {@code {"shape", "data"}} array. */
	static float[] floats(JsonObject array) {
		JsonArray a = array.getAsJsonArray("data");
		float[] v = new float[a.size()];
		for (int i = 0; i < v.length; i++) v[i] = a.get(i).getAsFloat();
		return v;
	}

	static void assertClose(float[] expected, NDArray got, String what) {
		float[] g = got.toFloatArray();
		assertEquals(expected.length, g.length, what + ": size");
		double worst = 0;
		for (int i = 0; i < g.length; i++) worst = Math.max(worst, Math.abs(g[i] - expected[i]));
		assertTrue(worst < 1e-4, what + ": largest difference " + worst);
	}

	@Test
	void otherFilesAndImpossibleHeadCountsAreRefused() throws Exception {
		try (NDManager m = NDManager.newBaseManager("PyTorch")) {
			var heads = assertThrows(WeightFormatException.class, () -> TimmVisionTower.load(DIR.resolve(
				"visual.safetensors"), 5, m));
			assertTrue(heads.getMessage().contains("5 heads"), heads.getMessage());
			var other = assertThrows(WeightFormatException.class, () -> TimmVisionTower.load(TestFiles.fixture("bert-tiny")
				.resolve("text.safetensors"), 4, m));
			assertTrue(other.getMessage().contains("not a timm ViT"), other.getMessage());
		}
	}
}
