package org.mvpseg.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;
import org.mvpseg.TestFiles;
import org.mvpseg.runtime.Memory;

import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

class ClipModelBehaviourTest {

	private static final Path VIT = TestFiles.fixture("clip-vit-tiny").resolve("clip.pt");
	private static final Path RN = TestFiles.fixture("clip-rn-tiny").resolve("clip.pt");

	private static void oneOfEach(ClipModel clip, NDManager m) {
		try (NDManager s = m.newSubManager()) {
			NDArray img = s.randomNormal(new Shape(2, 3, 64, 64));
			clip.encodeImage(img);
			clip.denseFeatures(s.randomNormal(new Shape(1, 3, 128, 96)));
			clip.encodeText(s, "a photo of a nucleus.", "mitochondria");
			clip.encodePrompts(s.randomNormal(new Shape(2, 4, 64)), new int[][] { { 320 }, { 1125, 539 } });
		}
	}

	@Test
	void nativeMemoryDoesNotGrowOver100Calls() throws Exception {
		for (Path weights : new Path[] { VIT, RN }) {
			try (NDManager m = NDManager.newBaseManager(); ClipModel clip = ClipModel.load(weights, m)) {
				for (int i = 0; i < 10; i++) oneOfEach(clip, m);
				int arrays = m.getManagedArrays().size();
				long rss = Memory.residentBytes();
				for (int i = 0; i < 100; i++) oneOfEach(clip, m);
				assertEquals(arrays, m.getManagedArrays().size(), "arrays left behind by 100 calls");
				long grown = Memory.residentBytes() - rss;
				assertTrue(grown < 64L << 20, "resident memory grew by " + Memory.mib(grown) + " over 100 calls");
			}
		}
	}

	@Test
	void resultsBelongToTheCallersManager() throws Exception {
		try (NDManager m = NDManager.newBaseManager(); ClipModel clip = ClipModel.load(VIT, m)) {
			try (NDManager a = m.newSubManager()) {
				NDArray img = a.randomNormal(new Shape(1, 3, 64, 64));
				NDArray f = clip.encodeImage(img);
				assertEquals(a, f.getManager());
				assertEquals(a, img.getManager(), "the input goes back to its manager");
				assertEquals(2, a.getManagedArrays().size());
			}
		}
	}

	@Test
	void sharedBetweenThreadsGivesIdenticalResults() throws Exception {
		try (NDManager m = NDManager.newBaseManager(); ClipModel clip = ClipModel.load(VIT, m)) {
			float[] input;
			float[] expected;
			try (NDManager s = m.newSubManager()) {
				NDArray x = s.randomNormal(new Shape(1, 3, 96, 64));
				input = x.toFloatArray();
				expected = clip.denseFeatures(x).toFloatArray();
			}
			ExecutorService pool = Executors.newFixedThreadPool(2);
			try {
				Future<?>[] jobs = new Future<?>[6];
				for (int j = 0; j < jobs.length; j++) jobs[j] = pool.submit(() -> {
					try (NDManager s = m.newSubManager()) {
						float[] got = clip.denseFeatures(s.create(input, new Shape(1, 3, 96, 64))).toFloatArray();
						assertArrayEquals(expected, got);
					}
				});
				for (Future<?> f : jobs) f.get();
			}
			finally {
				pool.shutdown();
			}
		}
	}

	@Test
	void badImageShapesAreRejectedClearly() throws Exception {
		try (NDManager m = NDManager.newBaseManager(); ClipModel clip = ClipModel.load(VIT, m)) {
			NDArray bad = m.zeros(new Shape(1, 3, 50, 64));
			int before = m.getManagedArrays().size();
			IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> clip.denseFeatures(bad));
			assertTrue(e.getMessage().contains("multiples of the patch size 16"), e.getMessage());
			assertEquals(before, m.getManagedArrays().size(), "nothing left behind");
		}
	}

	/**
	 * Autograd reaches the learnable prompt vectors through the frozen text tower: gradients agree
	 * with central finite differences in float64.
	 */
	@Test
	void promptGradientsMatchFiniteDifferences() throws Exception {
		try (NDManager m = NDManager.newBaseManager();
			ClipModel clip = ClipModel.load(VIT, m, DataType.FLOAT64))
		{
			int[][] classes = { { 25693, 718 }, { 5994 } };
			m.getEngine().setRandomSeed(7);
			NDArray ctx = m.randomNormal(0, 0.02f, new Shape(2, 4, 64), DataType.FLOAT64);
			NDArray weights = m.randomNormal(new Shape(4, 64), DataType.FLOAT64);
			ctx.setRequiresGradient(true);
			try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
				NDArray loss = clip.encodePrompts(ctx, classes).mul(weights).sum();
				gc.backward(loss);
			}
			double[] grad = ctx.getGradient().toDoubleArray();
			double[] base = ctx.toDoubleArray();
			double eps = 1e-6, worst = 0, norm = 0;
			for (double g : grad) norm = Math.max(norm, Math.abs(g));
			assertTrue(norm > 1e-3, "gradient must reach the prompt vectors, max |g| = " + norm);
			for (int idx : new int[] { 0, 5, 63, 64, 200, 256, 300, 511 }) {
				double plus = lossAt(clip, m, base, idx, eps, classes, weights);
				double minus = lossAt(clip, m, base, idx, -eps, classes, weights);
				double fd = (plus - minus) / (2 * eps);
				worst = Math.max(worst, Math.abs(fd - grad[idx]) / Math.max(1e-3, Math.abs(fd)));
			}
			assertTrue(worst < 1e-5, "relative error vs finite differences " + worst);
		}
	}

	private static double lossAt(ClipModel clip, NDManager m, double[] base, int idx, double delta, int[][] classes,
		NDArray weights)
	{
		try (NDManager s = m.newSubManager()) {
			double[] v = base.clone();
			v[idx] += delta;
			NDArray ctx = s.create(v, new Shape(2, 4, 64));
			return clip.encodePrompts(ctx, classes).mul(weights).sum().getDouble();
		}
	}
}
