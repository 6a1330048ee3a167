package org.mvpseg.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import org.junit.jupiter.api.io.TempDir;
import org.mvpseg.TestFiles;
import org.mvpseg.clip.io.WeightFormatException;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A BiomedCLIP-type model (timm ViT + BERT + WordPiece) read from open_clip's checkpoint layout into {@link ClipModel},
 * against src/bench/make_biomedclip_fixture.py: image, text (tokenized here) and dense features, and CoOp prompts on
 * the BERT tower, all within 1e-4.
 */
class BiomedClipModelTest {

	static final Path DIR = TestFiles.fixture("biomedclip-tiny");
	static final Path WEIGHTS = DIR.resolve("open_clip_pytorch_model.bin");

	@TempDir
	Path tmp;

	@Test
	void everyFeatureEqualsTheReference() throws Exception {
		JsonObject x = JsonParser.parseString(Files.readString(DIR.resolve("expected.json"))).getAsJsonObject();
		try (NDManager m = NDManager.newBaseManager("PyTorch"); ClipModel clip = ClipModel.load(WEIGHTS, m)) {
			ClipConfig c = clip.config();
			assertTrue(c.vit() && c.timmBert() && c.contextLength() == 40 && c.imageResolution() == 32, c.describe());
			assertTrue(c.describe().contains("timm ViT") && c.describe().contains("BERT text"), c.describe());
			NDArray images = array(m, x.getAsJsonObject("image_native"));
			TimmVisionTowerTest.assertClose(floats(x, "image_features"), clip.encodeImage(images), "image features");
			TimmVisionTowerTest.assertClose(floats(x, "maskclip_dense_features"), clip.denseFeatures(images), "dense maskclip");
			JsonArray texts = x.getAsJsonArray("texts"), ids = x.getAsJsonArray("text_ids");
			String[] t = new String[texts.size()];
			for (int i = 0; i < t.length; i++) {
				t[i] = texts.get(i).getAsString();
				int[] want = new int[ids.get(i).getAsJsonArray().size()];
				for (int j = 0; j < want.length; j++) want[j] = ids.get(i).getAsJsonArray().get(j).getAsInt();
				assertArrayEquals(want, WordPieceTokenizer.load(DIR.resolve("vocab.txt")).encode(t[i], 40), t[i]);
			}
			TimmVisionTowerTest.assertClose(floats(x, "text_features"), clip.encodeText(m, t), "text features");
			JsonArray names = x.getAsJsonArray("prompt_class_names");
			int[][] tokens = new int[names.size()][];
			for (int i = 0; i < tokens.length; i++) tokens[i] = clip.nameTokens(names.get(i).getAsString());
			TimmVisionTowerTest.assertClose(floats(x, "prompt_text_features"), clip.encodePrompts(array(m, x.getAsJsonObject(
				"prompt_context")), tokens), "prompt features");
			NDArray filled = clip.encodeFilled(m, java.util.List.of("a photo of {}.", "{}"), java.util.List.of("red",
				"blue"));
			NDArray direct = clip.encodeText(m, "a photo of red.", "red", "a photo of blue.", "blue");
			TimmVisionTowerTest.assertClose(direct.toFloatArray(), filled, "templates filled");
		}
	}

	@Test
	void halfPrecisionStaysCloseAndHandsOutFloat32() throws Exception {
		JsonObject x = JsonParser.parseString(Files.readString(DIR.resolve("expected.json"))).getAsJsonObject();
		try (NDManager m = NDManager.newBaseManager("PyTorch"); ClipModel clip = ClipModel.load(WEIGHTS, m,
			ai.djl.ndarray.types.DataType.FLOAT16))
		{
			NDArray f = clip.encodeText(m, "a photo of red.", "histology image showing tissue , cells and nuclei.");
			assertEquals(ai.djl.ndarray.types.DataType.FLOAT32, f.getDataType());
			float[] want = floats(x, "text_features"), got = f.toFloatArray();
			for (int i = 0; i < got.length; i++) assertEquals(want[i], got[i], 0.05, "text feature " + i);
			float[] img = clip.encodeImage(array(m, x.getAsJsonObject("image_native"))).toFloatArray();
			float[] wantImg = floats(x, "image_features");
			for (int i = 0; i < img.length; i++) assertEquals(wantImg[i], img[i], 0.05, "image feature " + i);
		}
	}

	@Test
	void withoutItsVocabularyTheModelIsRefused() throws Exception {
		Path copy = tmp.resolve("open_clip_pytorch_model.bin");
		Files.copy(WEIGHTS, copy);
		try (NDManager m = NDManager.newBaseManager("PyTorch")) {
			var e = assertThrows(WeightFormatException.class, () -> ClipModel.load(copy, m));
			assertTrue(e.getMessage().contains("vocab.txt"), e.getMessage());
			Files.copy(DIR.resolve("vocab.txt"), tmp.resolve("vocab.txt"));
			try (ClipModel clip = ClipModel.load(copy, m)) {
				assertEquals(64, clip.config().contextLength(), "no config: 256, cut to the 64 positions");
			}
		}
	}

	static float[] floats(JsonObject x, String key) {
		return TimmVisionTowerTest.floats(x.getAsJsonObject(key));
	}

	static NDArray array(NDManager m, JsonObject a) {
		JsonArray s = a.getAsJsonArray("shape");
		long[] shape = new long[s.size()];
		for (int i = 0; i < shape.length; i++) shape[i] = s.get(i).getAsLong();
		return m.create(TimmVisionTowerTest.floats(a), new Shape(shape));
	}
}
