package org.mvpseg.clip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mvpseg.TestFiles;

import java.nio.file.Path;
import java.util.Map;

/** Issue acceptance: every field of expected.json within 1e-4 for both towers and both file formats. */
class ReferenceFixturesTest {

	@ParameterizedTest(name = "{0}/{1}")
	@CsvSource({ "clip-vit-tiny, clip.pt", "clip-vit-tiny, clip.safetensors", "clip-rn-tiny, clip.pt",
		"clip-rn-tiny, clip.safetensors" })
	void matchesOpenAiReference(String model, String file) throws Exception {
		Path dir = TestFiles.fixture(model);
		try (NDManager m = NDManager.newBaseManager(); ClipModel clip = ClipModel.load(dir.resolve(file), m)) {
			Map<String, Double> err = new ReferenceCheck(dir.resolve("expected.json")).run(clip, m);
			assertEquals(ReferenceCheck.FIELDS.length, err.size(), "fields compared: " + err.keySet());
			err.forEach((k, v) -> assertTrue(v <= 1e-4, model + "/" + file + " " + k + " max abs error " + v));
		}
	}
}
