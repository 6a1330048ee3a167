package org.mvpseg.clip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mvpseg.TestFiles;
import org.mvpseg.segment.Templates;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Prefix reuse (docs/formulas.md §4) computes exactly what encode_text computes: sentence by sentence and for
 * the template ensemble's class embedding, on every fixture model, with templates that split cleanly at "{}" and
 * templates glued to the name (computed in full, and counted).
 */
class PrefixReuseTest {

	static final List<String> NAMES = List.of("cat", "dining table", "tv monitor", "a", "mitochondria",
		"foo-bar's nucleus", "amp;", "Zebra  Fish", "x".repeat(3) + " long name".repeat(40));
	/** Templates whose text touches "{}" on one side or both, or hold several. */
	static final List<String> GLUED = List.of("x{}y.", "{} alone", "a {}{} twice.", "&{}", "a photo of a {}s.",
		"itap of a {}", "{}");

	static Path weights(String fixture) {
		return TestFiles.fixture(fixture).resolve("clip.pt");
	}

	/** max |a − b| over all elements. */
	static double maxAbsDiff(float[] a, float[] b) {
		assertEquals(a.length, b.length);
		double d = 0;
		for (int i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
		return d;
	}

	/** Each row of {@code e} values divided by its L2 norm. */
	static float[] normalise(float[] rows, int e) {
		float[] out = rows.clone();
		for (int r = 0; r < rows.length / e; r++) {
			double n = 0;
			for (int i = 0; i < e; i++) n += rows[r * e + i] * (double) rows[r * e + i];
			for (int i = 0; i < e; i++) out[r * e + i] = (float) (rows[r * e + i] / Math.sqrt(n));
		}
		return out;
	}

	@ParameterizedTest
	@ValueSource(strings = { "clip-vit-tiny", "clip-rn-tiny", "toyclip-world" })
	void classEmbeddingsEqualTheFullComputation(String fixture) throws Exception {
		List<String> templates = Templates.ensemble(), names = List.of("cat", "dining table", "mitochondria");
		try (NDManager m = NDManager.newBaseManager(); ClipModel clip = ClipModel.load(weights(fixture), m)) {
			float[][] cached = clip.textEmbeddings().of(templates, names, null, done -> {});
			double diff = 0;
			for (int c = 0; c < names.size(); c++) {
				String[] sentences = new String[templates.size()];
				for (int t = 0; t < sentences.length; t++) sentences[t] = templates.get(t).replace("{}", names.get(c));
				NDArray f = clip.encodeText(m, sentences); // MaskCLIP's ensemble as ZeroShotClassifier computed it
				f = f.div(f.norm(new int[] { 1 }, true)).mean(new int[] { 0 });
				diff = Math.max(diff, maxAbsDiff(f.div(f.norm()).toFloatArray(), cached[c]));
			}
			System.out.printf("%s: class embedding (85 templates) max abs diff %.2e%n", fixture, diff);
			assertTrue(diff <= 1e-6, fixture + ": " + diff);
		}
	}

	/** Half precision runs the same path (its −inf masks included) and stays as close as fp16 allows. */
	@org.junit.jupiter.api.Test
	void halfPrecisionFollows() throws Exception {
		List<String> templates = Templates.ensemble().subList(0, 12), names = List.of("cat", "tv monitor");
		try (NDManager m = NDManager.newBaseManager(); ClipModel clip = ClipModel.load(weights("clip-vit-tiny"), m,
			ai.djl.ndarray.types.DataType.FLOAT16))
		{
			List<String> sentences = new ArrayList<>();
			for (String n : names) for (String t : templates) sentences.add(t.replace("{}", n));
			int e = clip.config().embedDim();
			float[] full = normalise(clip.encodeText(m, sentences.toArray(new String[0])).toFloatArray(), e);
			float[] reused = normalise(clip.encodeFilled(m, templates, names).toFloatArray(), e);
			assertTrue(maxAbsDiff(full, reused) < 5e-3, "fp16: " + maxAbsDiff(full, reused));
		}
	}

	/** Calls leave nothing behind, and the prefixes of template lists no longer kept are freed. */
	@org.junit.jupiter.api.Test
	void nativeArraysDoNotGrow() throws Exception {
		try (NDManager m = NDManager.newBaseManager(); ClipModel clip = ClipModel.load(weights("clip-vit-tiny"), m)) {
			java.util.function.IntConsumer lists = round -> {
				for (int i = 0; i < 6; i++) try (NDManager s = m.newSubManager()) {
					clip.encodeFilled(s, List.of("a photo " + "of ".repeat(i) + "a {}."), List.of("cat " + round, "dog"));
				}
			};
			lists.accept(0);
			int arrays = m.getManagedArrays().size();
			for (int round = 1; round < 4; round++) lists.accept(round);
			assertEquals(arrays, m.getManagedArrays().size(), "arrays left behind");
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "clip-vit-tiny", "clip-rn-tiny", "toyclip-world" })
	void sentencesEqualTheFullComputation(String fixture) throws Exception {
		List<String> templates = new ArrayList<>(Templates.ensemble());
		templates.addAll(GLUED);
		try (NDManager m = NDManager.newBaseManager(); ClipModel clip = ClipModel.load(weights(fixture), m)) {
			List<String> sentences = new ArrayList<>();
			for (String n : NAMES) for (String t : templates) sentences.add(t.replace("{}", n));
			float[] full = clip.encodeText(m, sentences.toArray(new String[0])).toFloatArray();
			long inFull = clip.textSentencesInFull();
			float[] reused = clip.encodeFilled(m, templates, NAMES).toFloatArray();
			float[] alone = new float[full.length]; // the full computation once more, one name per call
			int e = clip.config().embedDim(), per = templates.size() * e;
			for (int c = 0; c < NAMES.size(); c++) System.arraycopy(clip.encodeText(m, sentences.subList(c * templates
				.size(), (c + 1) * templates.size()).toArray(new String[0])).toFloatArray(), 0, alone, c * per, per);
			double scale = 0;
			for (float v : full) scale = Math.max(scale, Math.abs(v));
			double diff = maxAbsDiff(full, reused), normalised = maxAbsDiff(normalise(full, e), normalise(reused, e));
			System.out.printf("%s: per-sentence max abs diff %.2e (largest |value| %.2f; the full computation against "
				+ "itself batched otherwise: %.2e), normalised %.2e (itself: %.2e); %d of %d in full%n", fixture, diff, scale,
				maxAbsDiff(full, alone), normalised, maxAbsDiff(normalise(full, e), normalise(alone, e)), clip
					.textSentencesInFull() - inFull, sentences.size());
			// the raw features' last bits depend on how a batch is laid out (the full computation against itself
			// shows the same), so they are compared relative to their size; the normalised ones absolutely
			assertTrue(diff <= 1e-6 * Math.max(1, scale), fixture + ": " + diff);
			assertTrue(normalised <= 1e-6, fixture + ": normalised " + normalised);
			long glued = clip.textSentencesInFull() - inFull;
			assertTrue(glued > 0 && glued <= (long) NAMES.size() * GLUED.size(), "sentences in full: " + glued);
		}
	}
}
