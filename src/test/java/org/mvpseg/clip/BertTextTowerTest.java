package org.mvpseg.clip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.mvpseg.TestFiles;
import org.mvpseg.clip.io.WeightFormatException;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The BERT text tower against src/bench/make_bert_fixture.py (Hugging Face's BertModel and open_clip's HFTextEncoder
 * with BiomedCLIP's pooler and projection, re-written in PyTorch) on a tiny random tower: padded and unpadded
 * sequences, one as long as the context.
 */
class BertTextTowerTest {

	static final Path DIR = TestFiles.fixture("bert-tiny");

	@Test
	void textFeaturesEqualTheReference() throws Exception {
		JsonObject expected = JsonParser.parseString(Files.readString(DIR.resolve("expected.json"))).getAsJsonObject();
		JsonArray ids = expected.getAsJsonArray("ids"), features = expected.getAsJsonArray("features");
		int heads = expected.getAsJsonObject("config").get("heads").getAsInt();
		try (NDManager m = NDManager.newBaseManager("PyTorch"); BertTextTower tower = BertTextTower.load(DIR.resolve(
			"text.safetensors"), heads, m))
		{
			assertEquals(new BertTextTower.Config(32, 4, 2, 64, 200, 64, 24), tower.config());
			long[][] rows = new long[ids.size()][];
			for (int r = 0; r < rows.length; r++) {
				JsonArray row = ids.get(r).getAsJsonArray();
				rows[r] = new long[row.size()];
				for (int i = 0; i < row.size(); i++) rows[r][i] = row.get(i).getAsLong();
			}
			NDArray got = tower.encode(m.create(rows));
			float[] g = got.toFloatArray();
			int e = (int) got.getShape().get(1);
			double worst = largestDifference(got, features);
			assertTrue(worst < 1e-4, "largest difference " + worst);
			// a padded sequence gives what its unpadded part gives alone (the mask hides [PAD] from every query)
			NDArray shorter = tower.encode(m.create(new long[][] { java.util.Arrays.copyOf(rows[0], 6) }));
			float[] s = shorter.toFloatArray();
			for (int j = 0; j < e; j++) assertEquals(g[j], s[j], 1e-5, "padding changes nothing");
		}
	}

	@Test
	void aTowerWithoutItsTensorsOrWithAnImpossibleHeadCountIsRefused() throws Exception {
		try (NDManager m = NDManager.newBaseManager("PyTorch")) {
			var wrongHeads = assertThrows(WeightFormatException.class, () -> BertTextTower.load(DIR.resolve(
				"text.safetensors"), 5, m));
			assertTrue(wrongHeads.getMessage().contains("5 heads"), wrongHeads.getMessage());
			var notBert = assertThrows(WeightFormatException.class, () -> BertTextTower.load(TestFiles.fixture(
				"clip-vit-tiny").resolve("clip.safetensors"), 4, m));
			assertTrue(notBert.getMessage().contains("not a BERT text tower"), notBert.getMessage());
		}
	}

	/** The largest |got − expected| over rows [N, E] of features, expected as a JSON array of rows. */
	static double largestDifference(NDArray got, JsonArray expected) {
		float[] g = got.toFloatArray();
		int e = (int) got.getShape().get(1);
		double worst = 0;
		for (int r = 0; r < expected.size(); r++)
			for (int j = 0; j < e; j++)
				worst = Math.max(worst, Math.abs(g[r * e + j] - expected.get(r).getAsJsonArray().get(j).getAsDouble()));
		return worst;
	}
}
