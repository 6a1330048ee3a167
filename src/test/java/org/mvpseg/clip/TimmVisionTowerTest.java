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
 * head as BiomedCLIP configures them, re-written in PyTorch) on a tiny random tower.
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
			var size = assertThrows(IllegalArgumentException.class, () -> tower.encodeImage(m.zeros(new Shape(1, 3, 64,
				64))));
			assertTrue(size.getMessage().contains("32 px"), size.getMessage());
		}
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
