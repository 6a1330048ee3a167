package org.mvpseg.mvp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;
import org.mvpseg.TestFiles;
import org.mvpseg.clip.ClipModel;

import java.util.Random;
import java.util.function.Function;

class MvpHeadTest {

	@Test
	void fusedMaskMatchesHandComputation() {
		try (NDManager m = NDManager.newBaseManager()) {
			// B=1, P=3 (global + K=2), C=2, h=1, w=2
			double[] v = { 0.9, 0.1, /* p0 c1 */ 0.3, 0.2, /* p1 c0 */ 0.5, -0.1, /* p1 c1 */ 0.2, 0.4,
				/* p2 c0 */ 0.1, 0.3, /* p2 c1 */ -0.2, 0.6 };
			NDArray maps = m.create(v, new Shape(1, 3, 2, 1, 2));
			NDArray fused = MvpHead.fusedLogits(maps, m.create(new double[] { Math.log(2) }));
			double[] f = fused.toDoubleArray();
			// τ₁ Σ_{i≥1} m_i at x=0: class 0: 2·(0.5+0.1)=1.2, class 1: 2·(0.2−0.2)=0
			assertEquals(1.2, f[0], 1e-12);
			assertEquals(0.0, f[2], 1e-12);
			double[] mf = fused.softmax(1).toDoubleArray();
			assertEquals(Math.exp(1.2) / (Math.exp(1.2) + 1), mf[0], 1e-12);
			// x=1: class 0: 2·(−0.1+0.3)=0.4, class 1: 2·(0.4+0.6)=2.0
			assertEquals(Math.exp(0.4) / (Math.exp(0.4) + Math.exp(2.0)), mf[1], 1e-12);
		}
	}

	@Test
	void globalPromptRefiningMatchesHandComputation() {
		try (NDManager m = NDManager.newBaseManager()) {
			double[] m0 = { 0.1, 0.5, -0.2 }; // class 0 over three positions; class 1 all 0.3
			double[] v = new double[1 * 2 * 2 * 1 * 3];
			System.arraycopy(m0, 0, v, 0, 3);
			for (int i = 3; i < 6; i++) v[i] = 0.3;
			NDArray maps = m.create(v, new Shape(1, 2, 2, 1, 3)); // P=2 (global + K=1)
			double gamma = 4, tau2 = 0.5, bias = 0.1;
			NDArray z = MvpHead.gprLogits(maps, gamma, m.create(new double[] { tau2 }), m.create(new double[] { bias }));
			double sum = 0, dot = 0;
			for (double x : m0) sum += Math.exp(gamma * x);
			for (double x : m0) dot += x * Math.exp(gamma * x) / sum;
			double expected = 1 / (1 + Math.exp(-(dot - bias) / tau2));
			double[] g = ai.djl.nn.Activation.sigmoid(z).toDoubleArray();
			assertEquals(expected, g[0], 1e-12);
			// a constant map: the attention is uniform, the pooled value is the constant
			assertEquals(1 / (1 + Math.exp(-(0.3 - bias) / tau2)), g[1], 1e-12);
			// logSigmoid is stable far out
			double[] ls = MvpHead.logSigmoid(m.create(new double[] { -800, 0, 800 })).toDoubleArray();
			assertEquals(-800, ls[0], 1e-9);
			assertEquals(Math.log(0.5), ls[1], 1e-12);
			assertEquals(0, ls[2], 1e-12);
		}
	}

	@Test
	void siglipFormIsScaledPooledScorePlusBiasAndEqualsThePapersWithMatchingValues() {
		try (NDManager m = NDManager.newBaseManager()) {
			double[] v = { 0.1, 0.5, -0.2, /* class 1 */ 0.3, 0.3, 0.3, /* p1 */ 0, 0, 0, 0, 0, 0 };
			NDArray maps = m.create(v, new Shape(1, 2, 2, 1, 3));
			double gamma = 4, tau2 = 0.2, beta = -1.5;
			double[] s = MvpHead.gprPooled(maps, gamma).toDoubleArray();
			assertEquals(0.3, s[1], 1e-12);
			double[] z = MvpHead.gprLogits(GprForm.SIGLIP, maps, gamma, m.create(new double[] { Math.log(tau2) }), m
				.create(new double[] { beta })).toDoubleArray();
			for (int c = 0; c < 2; c++) assertEquals(s[c] / tau2 + beta, z[c], 1e-12);
			// σ(s/τ₂ + β) is the paper's σ((s − b)/τ₂) with b = −β·τ₂: the forms differ in what SGD moves, not in reach
			double[] paper = MvpHead.gprLogits(GprForm.PAPER, maps, gamma, m.create(new double[] { tau2 }), m.create(
				new double[] { -beta * tau2 })).toDoubleArray();
			for (int c = 0; c < 2; c++) assertEquals(z[c], paper[c], 1e-12);
		}
	}

	@Test
	void dropAbsentLeavesOutClassesBelowOneHalfPerWindowUnlessNoneIsPresent() {
		float[] g = { 0.9f, 0.2f, 0.5f, /* window 2: none present */ 0.4f, 0.1f, 0.3f };
		float[] p = MvpHead.absentPenalty(g, 3);
		assertEquals(0, p[0]);
		assertEquals(MvpHead.LEFT_OUT, p[1]);
		assertEquals(0, p[2], "g_c = 1/2 counts as present");
		for (int c = 3; c < 6; c++) assertEquals(0, p[c], "a window where no class reaches 1/2 leaves none out");
		assertEquals(0, (float) Math.exp(MvpHead.LEFT_OUT / 4), "a class left out by one of 4 windows: probability 0");
	}

	@Test
	void orthogonalLossIsZeroForOrthogonalAndHalfKKMinusOneForIdenticalPrompts() {
		try (NDManager m = NDManager.newBaseManager()) {
			int k = 4, mm = 3, w = 8;
			double[] orth = new double[(k + 1) * mm * w];
			double[] same = new double[(k + 1) * mm * w];
			for (int i = 1; i <= k; i++)
				for (int j = 0; j < mm; j++) {
					orth[(i * mm + j) * w + (i - 1)] = 1 + j; // prompt i lives on axis i-1
					for (int d = 0; d < w; d++) same[(i * mm + j) * w + d] = 0.3 * (d + 1) * (j + 1);
				}
			// the global prompt (row 0) does not take part
			for (int d = 0; d < mm * w; d++) orth[d] = same[d] = 5;
			assertEquals(0.0, MvpLosses.orthogonal(m.create(orth, new Shape(k + 1, mm, w))).getDouble(), 1e-12);
			assertEquals(k * (k - 1) / 2.0, MvpLosses.orthogonal(m.create(same, new Shape(k + 1, mm, w))).getDouble(),
				1e-9);
		}
	}

	/**
	 * Gradients of L_seg, L_cls, L_OC and the total with respect to the prompt vectors, τ₁ (its
	 * log) and τ₂ agree with central finite differences in float64, through the frozen text tower.
	 */
	@Test
	void gradientsMatchFiniteDifferences() throws Exception {
		try (NDManager m = NDManager.newBaseManager(); ClipModel clip = ClipModel.load(TestFiles.fixture(
			"clip-vit-tiny").resolve("clip.pt"), m, DataType.FLOAT64))
		{
			Random r = new Random(3);
			int k = 2, mm = 4, w = 64, b = 2, h = 3, ww = 4, height = 6, width = 8;
			int[][] classes = { { 25693, 718 }, { 42132, 320 }, { 5994 } };
			double[] ctx0 = new double[(k + 1) * mm * w];
			for (int i = 0; i < ctx0.length; i++) ctx0[i] = 0.02 * r.nextGaussian();
			NDArray features;
			try (NDManager s = m.newSubManager()) {
				features = clip.denseFeatures(s.randomNormal(new Shape(b, 3, 64, 48), DataType.FLOAT64));
				features.attach(m);
			}
			assertEquals(new Shape(b, 4, 3, 64), features.getShape());
			int[] labels = new int[b * height * width];
			for (int i = 0; i < labels.length; i++) labels[i] = r.nextInt(5) == 0 ? MvpLosses.IGNORE : r.nextInt(3);
			double[] scalars0 = { Math.log(30), 0.2, 0.05 }; // log τ₁, τ₂, bias

			Function<NDArray[], NDArray[]> terms = p -> {
				NDArray text = MvpHead.textFeatures(clip, p[0], classes);
				MvpLosses.Terms t = MvpLosses.Terms.compute(features, text, p[0], p[1], p[2], p[3], 100, labels, height,
					width, 1, 0.7, 2);
				return new NDArray[] { t.seg(), t.cls(), t.oc(), t.total() };
			};
			for (int term = 0; term < 4; term++) {
				try (NDManager s = m.newSubManager()) {
					NDArray[] p = params(s, ctx0, scalars0, k, mm, w);
					for (NDArray a : p) a.setRequiresGradient(true);
					try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
						gc.backward(terms.apply(p)[term]);
					}
					double[] gCtx = p[0].getGradient().toDoubleArray();
					// (an unused parameter's gradient comes back as float32 zeros)
					double[] gScalars = new double[3];
					for (int j = 0; j < 3; j++) gScalars[j] = p[j + 1].getGradient().toType(DataType.FLOAT64, false)
						.getDouble();
					int[] probe = { 3, 77, 200, 256 + 5, 256 + 130, 512 + 63, 700 };
					for (int idx : probe) {
						double fd = central(s, terms, term, ctx0, scalars0, k, mm, w, idx, -1);
						assertClose(fd, gCtx[idx], "term " + term + " context[" + idx + "]");
					}
					for (int j = 0; j < 3; j++) {
						double fd = central(s, terms, term, ctx0, scalars0, k, mm, w, -1, j);
						assertClose(fd, gScalars[j], "term " + term + " scalar " + j);
					}
					if (term == 2) assertEquals(0, gScalars[0] + gScalars[1] + gScalars[2], 0, "L_OC ignores τ");
				}
			}
		}
	}

	private static void assertClose(double fd, double analytic, String what) {
		double scale = Math.max(1e-4, Math.abs(fd));
		assertTrue(Math.abs(fd - analytic) / scale < 1e-5, what + ": finite difference " + fd + " vs autograd "
			+ analytic);
	}

	private static NDArray[] params(NDManager s, double[] ctx, double[] scalars, int k, int mm, int w) {
		return new NDArray[] { s.create(ctx, new Shape(k + 1, mm, w)), s.create(new double[] { scalars[0] }), s.create(
			new double[] { scalars[1] }), s.create(new double[] { scalars[2] }) };
	}

	private static double central(NDManager parent, Function<NDArray[], NDArray[]> terms, int term, double[] ctx0,
		double[] scalars0, int k, int mm, int w, int ctxIndex, int scalarIndex)
	{
		double eps = 1e-6;
		double[] values = new double[2];
		for (int sign = 0; sign < 2; sign++) {
			double d = sign == 0 ? eps : -eps;
			double[] ctx = ctx0.clone(), sc = scalars0.clone();
			if (ctxIndex >= 0) ctx[ctxIndex] += d;
			else sc[scalarIndex] += d;
			try (NDManager s = parent.newSubManager()) {
				values[sign] = terms.apply(params(s, ctx, sc, k, mm, w))[term].getDouble();
			}
		}
		return (values[0] - values[1]) / (2 * eps);
	}
}
