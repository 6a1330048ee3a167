package org.mvpseg.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.mvpseg.TestFiles;

/** The fine-tunable last block, from the weights' own values, computes the model's dense features. */
class LastBlockTest {

	@Test
	void fromTheWeightsItEqualsTheDenseFeatures() throws Exception {
		try (NDManager m = NDManager.newBaseManager(); ClipModel clip = ClipModel.load(TestFiles.fixture("clip-vit-tiny")
			.resolve("clip.pt"), m))
		{
			m.getEngine().setRandomSeed(5);
			NDArray x = m.randomNormal(new Shape(2, 3, 96, 64));
			NDArray tokens = clip.patchTokensBeforeLastBlock(x);
			var c = clip.config();
			var p = LastBlock.arrays(m, LastBlock.initial(clip), c.visionWidth(), c.embedDim());
			for (DenseMode mode : new DenseMode[] { DenseMode.MASKCLIP, DenseMode.VALUE })
				assertArrayEquals(clip.denseFeatures(x, mode).toFloatArray(), LastBlock.features(tokens, p, mode, 6, 4)
					.toFloatArray(), 1e-4f, mode.label());
			assertThrows(IllegalArgumentException.class, () -> LastBlock.requireSupported(DenseMode.NACLIP, true));
			assertThrows(IllegalArgumentException.class, () -> LastBlock.requireSupported(DenseMode.MASKCLIP, false));
		}
	}
}
