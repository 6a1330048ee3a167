package org.mvpseg.segment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.mvpseg.TestFiles;
import org.mvpseg.clip.ClipModel;
import org.mvpseg.clip.DenseMode;

class KeySmoothingTest {

	@Test
	void lowConfidencePositionsTakeTheKeyWeightedSum() {
		try (NDManager m = NDManager.newBaseManager()) {
			// two positions, two classes; keys (2,0) and (3,3), normalised per channel over positions as
			// MaskCLIP's F.normalize(k, dim=1): channel 0 → (2,3)/√13, channel 1 → (0,1)
			NDArray p = m.create(new float[] { 0.9f, 0.6f, 0.1f, 0.4f }, new Shape(1, 2, 2)); // [B, C, N]
			NDArray keys = m.create(new float[] { 2, 0, 3, 3 }, new Shape(1, 2, 2)); // [B, N, K]
			float[] out = ZeroShotClassifier.keySmooth(p, keys, 0.8).toFloatArray(); // [B, C, N]
			float w10 = 6f / 13, w11 = 9f / 13 + 1;
			assertEquals(0.9f, out[0], 1e-6f); // position 0 is confident (0.9 ≥ 0.8): unchanged
			assertEquals(0.1f, out[2], 1e-6f);
			assertEquals(w10 * 0.9f + w11 * 0.6f, out[1], 1e-6f); // position 1 (best 0.6): Σ_j w_1j · p_j
			assertEquals(w10 * 0.1f + w11 * 0.4f, out[3], 1e-6f);
		}
	}

	@Test
	void featuresBesideKeysAreTheDenseFeatures() throws Exception {
		for (String model : new String[] { "clip-vit-tiny", "clip-rn-tiny" }) {
			try (NDManager m = NDManager.newBaseManager(); ClipModel clip = ClipModel.load(TestFiles.fixture(model)
				.resolve("clip.pt"), m))
			{
				m.getEngine().setRandomSeed(1);
				NDArray x = m.randomNormal(new Shape(1, 3, 128, 96));
				NDList fk = clip.denseFeaturesAndKeys(x, DenseMode.MASKCLIP);
				assertArrayEquals(clip.denseFeatures(x).toFloatArray(), fk.get(0).toFloatArray(), 1e-5f, model);
				assertEquals(fk.get(0).getShape().get(1), fk.get(1).getShape().get(1));
				assertEquals(fk.get(0).getShape().get(2), fk.get(1).getShape().get(2));
			}
		}
	}
}
