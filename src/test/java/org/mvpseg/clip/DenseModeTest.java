package org.mvpseg.clip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.mvpseg.TestFiles;

/** The training-free dense modes: shapes, sanity, and the parts that can be checked by hand. */
class DenseModeTest {

	@Test
	void everyModeGivesFeaturesOfTheSameShapeAndTheyDiffer() throws Exception {
		try (NDManager m = NDManager.newBaseManager(); ClipModel clip = ClipModel.load(TestFiles.fixture(
			"clip-vit-tiny").resolve("clip.pt"), m))
		{
			m.getEngine().setRandomSeed(3);
			NDArray x = m.randomNormal(new Shape(2, 3, 96, 64));
			float[] mask = clip.denseFeatures(x).toFloatArray();
			for (DenseMode mode : DenseMode.values()) {
				NDArray f = clip.denseFeatures(x, mode);
				assertEquals(new Shape(2, 6, 4, 64), f.getShape(), mode.label());
				float[] v = f.toFloatArray();
				for (float a : v) assertTrue(Float.isFinite(a), mode.label());
				boolean same = java.util.Arrays.equals(v, mask);
				assertEquals(mode == DenseMode.MASKCLIP, same, mode.label() + " vs MaskCLIP");
			}
		}
	}

	@Test
	void resNetsOnlyDoMaskClip() throws Exception {
		try (NDManager m = NDManager.newBaseManager(); ClipModel clip = ClipModel.load(TestFiles.fixture("clip-rn-tiny")
			.resolve("clip.pt"), m))
		{
			var e = assertThrows(IllegalArgumentException.class, () -> clip.denseFeatures(m.zeros(new Shape(1, 3, 64,
				64)), DenseMode.NACLIP));
			assertTrue(e.getMessage().contains("needs a ViT"), e.getMessage());
			NDArray x = m.randomNormal(new Shape(1, 3, 64, 64));
			assertTrue(java.util.Arrays.equals(clip.denseFeatures(x, DenseMode.MASKCLIP).toFloatArray(), clip
				.denseFeatures(x, DenseMode.VALUE).toFloatArray()), "on a ResNet the value path is MaskCLIP's");
		}
		var e = assertThrows(IllegalArgumentException.class, () -> DenseMode.parse("maskclop"));
		assertTrue(e.getMessage().contains("naclip"));
		assertEquals(DenseMode.SCLIP, DenseMode.parse(" SCLIP "));
	}

	@Test
	void neighbourhoodBiasIsAGaussianBetweenPatchesOnly() {
		try (NDManager m = NDManager.newBaseManager()) {
			float[] g = VisionTransformer.neighbourhood(m, 2, 3, DataType.FLOAT32).toFloatArray(); // 7x7
			int l = 7;
			assertEquals(0f, g[0]); // class token row and column
			assertEquals(0f, g[3]);
			assertEquals(0f, g[3 * l]);
			assertEquals(1f, g[1 * l + 1], 1e-7f); // a patch with itself
			// patch 0 (y0,x0) and patch 5 (y1,x2): distance² = 1 + 4
			assertEquals((float) Math.exp(-5 / 50.0), g[1 * l + 6], 1e-7f);
			assertFalse(g[1 * l + 2] == g[1 * l + 6]);
		}
	}
}
