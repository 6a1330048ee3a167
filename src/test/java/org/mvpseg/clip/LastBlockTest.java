package org.mvpseg.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mvpseg.TestFiles;

/** The fine-tunable last block, from the weights' own values, computes the model's dense features. */
class LastBlockTest {

	/** OpenAI's ViT, timm's (BiomedCLIP's layout) and an open_clip GELU tower (QuiltNet's layout). */
	@ParameterizedTest
	@CsvSource({ "clip-vit-tiny, clip.pt", "biomedclip-tiny, open_clip_pytorch_model.bin",
		"quiltnet-tiny, open_clip_pytorch_model.bin" })
	void fromTheWeightsItEqualsTheDenseFeatures(String dir, String file) throws Exception {
		try (NDManager m = NDManager.newBaseManager(); ClipModel clip = ClipModel.load(TestFiles.fixture(dir).resolve(
			file), m))
		{
			m.getEngine().setRandomSeed(5);
			NDArray x = m.randomNormal(new Shape(2, 3, 96, 64));
			NDArray tokens = clip.patchTokensBeforeLastBlock(x);
			var c = clip.config();
			int gh = 96 / c.cellSize(), gw = 64 / c.cellSize();
			var p = LastBlock.arrays(m, LastBlock.initial(clip), c.visionWidth(), c.embedDim());
			for (DenseMode mode : new DenseMode[] { DenseMode.MASKCLIP, DenseMode.VALUE })
				assertArrayEquals(clip.denseFeatures(x, mode).toFloatArray(), LastBlock.of(clip, p).features(tokens, mode,
					gh, gw).toFloatArray(), 1e-4f, dir + " " + mode.label());
			assertThrows(IllegalArgumentException.class, () -> LastBlock.requireSupported(DenseMode.NACLIP, true));
			assertThrows(IllegalArgumentException.class, () -> LastBlock.requireSupported(DenseMode.MASKCLIP, false));
		}
	}
}
