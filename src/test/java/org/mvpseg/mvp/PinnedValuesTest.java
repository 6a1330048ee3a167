package org.mvpseg.mvp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mvpseg.TestFiles;
import org.mvpseg.clip.ClipModel;
import org.mvpseg.clip.Nn;

import java.util.List;

/** Values, not only gradients: the losses, metrics, schedule and starting point against hand computations. */
class PinnedValuesTest {

	static NDManager manager;

	@BeforeAll
	static void open() {
		manager = NDManager.newBaseManager();
	}

	@AfterAll
	static void close() {
		manager.close();
	}

	private static double logSigmoid(double z) {
		return -Math.log1p(Math.exp(-z));
	}

	private static double logSoftmax(double a, double b, boolean first) {
		double m = Math.max(a, b), lse = m + Math.log(Math.exp(a - m) + Math.exp(b - m));
		return (first ? a : b) - lse;
	}

	@Test
	void segmentationLossIsMinusTheMeanLogOfFusedTimesPresence() {
		// one image, 2 classes, a 1×3 map; fused logits per class and pixel, GPR logits per class
		float[] fused = { 1.0f, -0.5f, 0.2f, /* class 1: */ 0.3f, 0.8f, 0.2f };
		float[] gpr = { 0.4f, -1.1f };
		int[] labels = { 0, 1, MvpLosses.IGNORE };
		NDArray f = Nn.owned(manager.create(fused, new Shape(1, 2, 1, 3)));
		NDArray g = Nn.owned(manager.create(gpr, new Shape(1, 2)));
		double got = MvpLosses.segmentation(f, g, labels, 1, 3).getFloat();
		double want = -((logSoftmax(1.0, 0.3, true) + logSigmoid(0.4)) + (logSoftmax(-0.5, 0.8, false) + logSigmoid(
			-1.1))) / 2;
		assertEquals(want, got, 1e-6);
	}

	@Test
	void classificationLossIsTheFullBinaryCrossEntropySummedOverClasses() {
		float[] z = { 0.3f, -1.2f, 2.0f, 0.0f };
		float[] present = { 1, 0, 0, 1 }; // two images, two classes
		double got = MvpLosses.classification(Nn.owned(manager.create(z, new Shape(2, 2))), present).getFloat();
		double want = -(logSigmoid(0.3) + logSigmoid(1.2) + logSigmoid(-2.0) + logSigmoid(0.0)) / 2;
		assertEquals(want, got, 1e-6);
	}

	@Test
	void iouMiouAndHarmonicMeanOfASmallConfusionMatrix() {
		long[][] c = { { 8, 2, 0 }, { 1, 5, 4 }, { 0, 0, 0 } }; // [truth][prediction]; class c never present
		Evaluation e = Evaluation.of(List.of("a", "b", "c"), 1, c);
		assertEquals(8 / 11.0, e.iou(0), 1e-12); // TP 8, FN 2, FP 1
		assertEquals(5 / 12.0, e.iou(1), 1e-12); // TP 5, FN 5, FP 2
		assertEquals(0.0, e.iou(2), 1e-12); // predicted 4 times, never true: IoU 0, counted
		assertEquals(8 / 11.0, e.miouSeen(), 1e-12);
		double u = (5 / 12.0 + 0) / 2, s = 8 / 11.0;
		assertEquals(u, e.miouUnseen(), 1e-12);
		assertEquals(2 * s * u / (s + u), e.hiou(), 1e-12);
		assertEquals(13 / 20.0, e.pixelAccuracy(), 1e-12);
		Evaluation absent = Evaluation.of(List.of("a", "b", "c"), 1, new long[][] { { 3, 0, 0 }, { 0, 2, 0 }, { 0, 0,
			0 } });
		assertEquals(1.0, absent.miouUnseen(), 1e-12, "a class neither true nor predicted is left out of the mean");
		assertTrue(e.absent(2) && !e.absent(1), "c is nowhere in the ground truth");
		assertEquals(10, e.groundTruthPixels(1));
		String table = Evaluation.table(List.of("run"), List.of(e));
		assertTrue(table.lines().anyMatch(l -> l.startsWith("c ") && l.contains("absent")), "reported absent, not "
			+ "0.0: " + table);
		assertTrue(table.contains("mmseg's rule"), table);
		assertTrue(e.toJson().getAsJsonObject("per_class").getAsJsonObject("c").get("absent").getAsBoolean());
	}

	@Test
	void theLearningRateFallsAlongACosineToZero() {
		var cfg = PromptTrainer.Config.builder().iterations(100).crop(64).batch(1).lr(0.01).scale(1, 1).flip(false)
			.build();
		assertEquals(0.01, cfg.learningRate(0), 1e-15);
		assertEquals(0.005, cfg.learningRate(50), 1e-15);
		assertEquals(0.01 * 0.5 * (1 + Math.cos(Math.PI * 0.25)), cfg.learningRate(25), 1e-15);
		assertEquals(0.01 * 0.5 * (1 + Math.cos(Math.PI * 0.99)), cfg.learningRate(99), 1e-15);
	}

	@Test
	void trainingStartsFromTheDocumentedValues() {
		for (int k : new int[] { 1, 3, 5 }) {
			PromptSet p = PromptSet.initial(k, 16, 64, 7, false);
			assertEquals(100, p.tau1() * k, 1e-9, "τ₁·K = 100");
			assertEquals(0.07, p.tau2(), 0);
			assertEquals(100, p.gamma(), 0);
			assertEquals(0, p.gprBias(), 0);
		}
		assertEquals(false, PromptTrainer.Config.defaults().learnBias(), "the paper's form learns no bias unless asked");
		assertEquals(GprForm.SIGLIP, PromptTrainer.Config.defaults().gprForm(), "GPR in SigLIP's form by default");
		assertEquals(GprForm.SIGLIP, PromptTrainer.Config.paper().gprForm());
		PromptSet s = PromptSet.initial(3, 16, 64, 7, false, GprForm.SIGLIP);
		assertEquals(0.1, s.tau2(), 0);
		assertEquals(-10, s.gprBias(), 0);
		assertTrue(s.learnBias);
	}

	@Test
	void severalPromptsInOneBatchKeepTheirOrder() throws Exception {
		try (NDManager m = NDManager.newBaseManager(); ClipModel clip = ClipModel.load(TestFiles.fixture(
			"clip-vit-tiny").resolve("clip.pt"), m))
		{
			m.getEngine().setRandomSeed(5);
			NDArray ctx = m.randomNormal(0, 0.02f, new Shape(3, 4, clip.config().textWidth()),
				ai.djl.ndarray.types.DataType.FLOAT32);
			int[][] tokens = PromptTrainer.classTokens(clip, List.of("cat", "green grass", "sky"));
			NDArray all = MvpHead.textFeatures(clip, ctx, tokens); // [P, C, E]
			for (int p = 0; p < 3; p++) {
				NDArray one = MvpHead.textFeatures(clip, ctx.get(p + ":" + (p + 1)), tokens);
				for (int c = 0; c < 3; c++) assertArrayEquals(one.get("0, " + c).toFloatArray(), all.get(p + ", " + c)
					.toFloatArray(), 1e-5f, "prompt " + p + ", class " + c);
			}
		}
	}
}
