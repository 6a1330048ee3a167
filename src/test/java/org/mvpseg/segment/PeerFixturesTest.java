package org.mvpseg.segment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mvpseg.TestFiles;
import org.mvpseg.clip.ClipModel;
import org.mvpseg.clip.DenseMode;
import org.mvpseg.image.ArrayImage;
import org.mvpseg.image.ClipInput;
import org.mvpseg.image.ImageSource;
import org.mvpseg.pipeline.Prepared;
import org.mvpseg.pipeline.Pipeline;
import org.mvpseg.pipeline.SegmentRequest;
import org.mvpseg.runtime.Progress;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Every training-free mode equals its peer's released code (fixtures/peers/vit-tiny.json, made by
 * src/bench/make_peer_fixtures.py on the tiny random ViT): the five dense modes, MaskCLIP's prompt
 * denoising and key smoothing (refine_output), NACLIP's PAMR, and NACLIP end to end with PAMR and its
 * softmax scale 40. All within 1e-4.
 */
class PeerFixturesTest {

	private static final float TOL = 1e-4f;
	private static JsonObject fx;
	private static NDManager m;
	private static ClipModel clip;
	private static Path weights;

	@BeforeAll
	static void load() throws Exception {
		fx = JsonParser.parseString(Files.readString(TestFiles.fixture("peers").resolve("vit-tiny.json")))
			.getAsJsonObject();
		m = NDManager.newBaseManager();
		weights = TestFiles.fixture("clip-vit-tiny").resolve("clip.pt");
		clip = ClipModel.load(weights, m);
	}

	@AfterAll
	static void close() {
		clip.close();
		m.close();
	}

	@Test
	void everyDenseModeEqualsItsPeer() {
		NDArray x = array("image");
		for (DenseMode mode : DenseMode.values()) assertClose(data("dense_" + mode.label()), clip.denseFeatures(x, mode)
			.toFloatArray(), mode.label());
		NDList fk = clip.denseFeaturesAndKeys(x, DenseMode.MASKCLIP);
		assertClose(data("maskclip_keys"), fk.get(1).toFloatArray(), "keys after out_proj, as MaskCLIP's backbone");
	}

	@Test
	void promptDenoisingAndKeySmoothingEqualRefineOutput() {
		NDArray x = array("image");
		NDList fk = clip.denseFeaturesAndKeys(x, DenseMode.MASKCLIP);
		double pd = fx.get("pd_thresh").getAsDouble(), ks = fx.get("ks_thresh").getAsDouble();
		assertClose(data("maskclip_scores"), refined(fk, 0, 0), "cosine scores");
		assertClose(data("refined_pd"), refined(fk, pd, 0), "prompt denoising");
		float[] expected = data("refined_ks");
		float[] ours = refined(fk, 0, ks);
		assertClose(expected, ours, "key smoothing");
		assertClose(data("refined_pd_ks"), refined(fk, pd, ks), "denoising, then key smoothing");
		// Our probabilities keep the refined map's argmax (MaskCLIP's label) and sum to 1.
		int classes = names().size(), n = expected.length / classes;
		float[][] p = new float[classes][n];
		for (int c = 0; c < classes; c++) System.arraycopy(ours, c * n, p[c], 0, n);
		ZeroShotClassifier.refinedToProbabilities(p, 0, n);
		int smoothed = 0;
		for (int i = 0; i < n; i++) {
			double sum = 0;
			for (int c = 0; c < classes; c++) sum += p[c][i];
			assertEquals(1, sum, 1e-5);
			assertEquals(argmax(expected, i, n, classes), argmax(p, i), "label at " + i);
			if (Math.abs(expected[i] - (float) softmax100(i)) > 1e-3) smoothed++;
		}
		assertTrue(smoothed > 0 && smoothed < n, "the fixture smooths some positions, not all: " + smoothed);
	}

	@Test
	void pamrEqualsNaclips() {
		float[] image = data("image"), scores = data("pamr_scores");
		JsonArray shape = fx.getAsJsonObject("image").getAsJsonArray("shape");
		int h = shape.get(2).getAsInt(), w = shape.get(3).getAsInt();
		assertEquals(10, fx.get("pamr_iterations").getAsInt());
		Pamr.NACLIP.refine(image, 0, 3, scores, scores.length / (h * w), h, w);
		assertClose(data("pamr_refined"), scores, "PAMR");
	}

	@Test
	void naclipEndToEndWithPamrAndItsSoftmaxScale() throws Exception {
		float[] rgb = data("e2e_rgb");
		int side = 64, n = side * side;
		int[] packed = new int[n];
		for (int i = 0; i < n; i++) packed[i] = ((int) rgb[i] << 16) | ((int) rgb[n + i] << 8) | (int) rgb[2 * n + i];
		ImageSource img = ArrayImage.ofRgb(side, side, ImageSource.Calibration.NONE, packed);
		for (boolean pamr : new boolean[] { true, false }) {
			SegmentRequest r = SegmentRequest.builder().model(weights.toString(), null).classes(names()).template(fx.get(
				"template").getAsString()).denseMode("naclip").temperature(fx.get("e2e_logit_scale").getAsDouble()).pamr(
					pamr).windows(side, 0, 0, 0).build();
			try (Prepared p = Pipeline.prepare(r, Progress.NONE)) {
				SegmenterTest.Collect out = new SegmenterTest.Collect();
				p.segment(p.input(img), out, Progress.NONE);
				float[] flat = new float[out.p.length * n];
				for (int c = 0; c < out.p.length; c++) System.arraycopy(out.p[c], 0, flat, c * n, n);
				assertClose(data(pamr ? "e2e_probabilities" : "e2e_probabilities_no_pamr"), flat, "NACLIP, pamr " + pamr);
				assertEquals(pamr, p.resolved().toMap().get("pamr").toString().startsWith("PAMR"));
			}
		}
	}

	private float[] refined(NDList fk, double pd, double ks) {
		try (ZeroShotClassifier z = new ZeroShotClassifier(clip, null, names(), List.of(fx.get("template")
			.getAsString()), pd, ks, 0, m, Progress.NONE))
		{
			return (ks > 0 ? z.scores(fk.get(0), fk.get(1)) : z.scores(fk.get(0))).toFloatArray();
		}
	}

	private double softmax100(int i) {
		float[] s = data("maskclip_scores");
		int classes = names().size(), n = s.length / classes;
		double max = Double.NEGATIVE_INFINITY, sum = 0;
		for (int c = 0; c < classes; c++) max = Math.max(max, 100 * s[c * n + i]);
		for (int c = 0; c < classes; c++) sum += Math.exp(100 * s[c * n + i] - max);
		return Math.exp(100 * s[i] - max) / sum;
	}

	private static int argmax(float[] flat, int i, int n, int classes) {
		int best = 0;
		for (int c = 1; c < classes; c++) if (flat[c * n + i] > flat[best * n + i]) best = c;
		return best;
	}

	private static int argmax(float[][] p, int i) {
		int best = 0;
		for (int c = 1; c < p.length; c++) if (p[c][i] > p[best][i]) best = c;
		return best;
	}

	private static List<String> names() {
		List<String> l = new ArrayList<>();
		for (var e : fx.getAsJsonArray("class_names")) l.add(e.getAsString());
		return l;
	}

	private static NDArray array(String key) {
		JsonArray shape = fx.getAsJsonObject(key).getAsJsonArray("shape");
		long[] s = new long[shape.size()];
		for (int i = 0; i < s.length; i++) s[i] = shape.get(i).getAsLong();
		return m.create(data(key), new Shape(s));
	}

	private static float[] data(String key) {
		JsonArray a = fx.getAsJsonObject(key).getAsJsonArray("data");
		float[] v = new float[a.size()];
		for (int i = 0; i < v.length; i++) v[i] = a.get(i).getAsFloat();
		return v;
	}

	private static void assertClose(float[] expected, float[] actual, String what) {
		assertEquals(expected.length, actual.length, what + ": size");
		double worst = 0;
		int at = -1;
		for (int i = 0; i < expected.length; i++) {
			double d = Math.abs(expected[i] - actual[i]);
			if (!(d <= worst)) {
				worst = d;
				at = i;
			}
		}
		assertTrue(worst <= TOL, what + ": max |diff| " + worst + " at " + at + " (expected " + (at >= 0 ? expected[at]
			: 0) + ", got " + (at >= 0 ? actual[at] : 0) + ")");
	}
}
