package org.mvpseg.segment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mvpseg.TestFiles;
import org.mvpseg.clip.ClipModel;
import org.mvpseg.image.ArrayImage;
import org.mvpseg.image.ClipInput;
import org.mvpseg.image.ImageSource;
import org.mvpseg.runtime.Progress;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;

class SegmenterTest {

	static NDManager manager;
	static ClipModel vit;

	@BeforeAll
	static void load() throws Exception {
		manager = NDManager.newBaseManager();
		vit = ClipModel.load(TestFiles.fixture("clip-vit-tiny").resolve("clip.pt"), manager);
	}

	@AfterAll
	static void close() {
		vit.close();
		manager.close();
	}

	/** Collects everything the pipeline emits. */
	static final class Collect implements SegmentationSink {
		float[][] p;
		int[] labels;
		int width, nextRow;
		final List<Integer> bands = new ArrayList<>();

		@Override
		public void rows(int y0, int rows, int width, float[][] probabilities, int[] l) {
			assertEquals(nextRow, y0, "rows arrive in order, each once");
			if (p == null) {
				p = new float[probabilities.length][0];
				labels = new int[0];
			}
			this.width = width;
			for (int c = 0; c < p.length; c++) {
				float[] n = java.util.Arrays.copyOf(p[c], (y0 + rows) * width);
				System.arraycopy(probabilities[c], 0, n, y0 * width, rows * width);
				p[c] = n;
			}
			int[] n = java.util.Arrays.copyOf(labels, (y0 + rows) * width);
			System.arraycopy(l, 0, n, y0 * width, rows * width);
			labels = n;
			nextRow = y0 + rows;
			bands.add(rows);
		}
	}

	/** Window k scores class 0 with k+1, class 1 with 2, class 2 with 0; no softmax. */
	static class WindowIndexClassifier implements PixelClassifier {
		final AtomicInteger next = new AtomicInteger();

		@Override
		public List<String> classNames() {
			return List.of("a", "b", "c");
		}

		@Override
		public NDArray scores(NDArray x) {
			long b = x.getShape().get(0), h = x.getShape().get(2), w = x.getShape().get(3);
			float[] s = new float[(int) (b * 3 * h * w)];
			for (int i = 0; i < b; i++) {
				int k = next.getAndIncrement();
				for (int j = 0; j < h * w; j++) {
					s[(int) ((i * 3) * h * w + j)] = k + 1;
					s[(int) ((i * 3 + 1) * h * w + j)] = 2;
				}
			}
			return x.getManager().create(s, new Shape(b, 3, h, w));
		}

		@Override
		public void toProbabilities(float[][] scores, int offset, int n) {}

		@Override
		public String describe() {
			return "test";
		}

		@Override
		public String method() {
			return "test";
		}
	}

	private static Collect runFake(int width, int window, int stride, int batch) throws Exception {
		ImageSource img = ArrayImage.ofBytes(width, 4, ImageSource.Calibration.NONE, new byte[width * 4]);
		Segmenter s = new Segmenter(x -> x, manager, 1, window, 1, new SegmentOptions(window, stride, batch, 0, 1 << 20));
		Collect c = new Collect();
		s.run(ClipInput.of(img), new WindowIndexClassifier(), c, Progress.NONE);
		return c;
	}

	/** Non-finite scores fail the image with a reason; they are never written as label 0. */
	@Test
	void nonFiniteScoresFailTheImage() {
		ImageSource img = ArrayImage.ofBytes(8, 4, ImageSource.Calibration.NONE, new byte[8 * 4]);
		Segmenter s = new Segmenter(x -> x, manager, 1, 4, 1, new SegmentOptions(4, 4, 1, 0, 1 << 20));
		WindowIndexClassifier nan = new WindowIndexClassifier() {
			@Override
			public void toProbabilities(float[][] scores, int offset, int n) {
				for (float[] c : scores) java.util.Arrays.fill(c, offset, offset + n, Float.NaN);
			}
		};
		IllegalStateException e = assertThrows(IllegalStateException.class, () -> s.run(ClipInput.of(img), nan,
			new Collect(), Progress.NONE));
		assertTrue(e.getMessage().startsWith("The class scores are not finite (NaN) at pixel (0, 0)"), e.getMessage());
	}

	@Test
	void overlapAveragingMatchesHandComputation() throws Exception {
		// width 6, window 4, stride 2: windows at x = 0 and 2; columns 2,3 are covered by both.
		Collect c = runFake(6, 4, 2, 1);
		assertArrayEquals(new float[] { 1, 1, 1.5f, 1.5f, 2, 2 }, java.util.Arrays.copyOf(c.p[0], 6));
		// stride 1: windows at x = 0, 1, 2 (scores 1, 2, 3); per column the mean of those covering it
		c = runFake(6, 4, 1, 2);
		assertArrayEquals(new float[] { 1, 1.5f, 2, 2, 2.5f, 3 }, java.util.Arrays.copyOf(c.p[0], 6));
		for (int row = 0; row < 4; row++) assertEquals(2f, c.p[1][row * 6 + 3]);
		// labels are the argmax: class 1 (score 2) wins where class 0 is below 2; ties go to the first class
		assertArrayEquals(new int[] { 1, 1, 0, 0, 0, 0 }, java.util.Arrays.copyOf(c.labels, 6));
	}

	/** A GPU that runs out of memory above 2 windows per pass: the batch halves until it fits, results unchanged. */
	@Test
	void outOfMemoryHalvesTheBatchAndKeepsTheResult() throws Exception {
		ImageSource img = ArrayImage.ofBytes(9, 4, ImageSource.Calibration.NONE, new byte[9 * 4]);
		Segmenter s = new Segmenter(x -> {
			if (x.getShape().get(0) > 2) throw new ai.djl.engine.EngineException("CUDA out of memory. Tried to allocate "
				+ "2.00 GiB");
			return x;
		}, manager, 1, 4, 1, new SegmentOptions(4, 1, 5, 0, 1 << 20));
		Collect c = new Collect();
		List<String> said = new ArrayList<>();
		Segmenter.Result r = s.run(ClipInput.of(img), new WindowIndexClassifier(), c, (what, done, total) -> said.add(
			what));
		assertEquals(2, r.batchSize(), "5 → 2 → 1? no: 5 → 2 fits");
		assertTrue(said.contains("out of memory with 5 windows per pass: now 2"), said.toString());
		Collect one = runFake(9, 4, 1, 1);
		for (int k = 0; k < 3; k++) assertArrayEquals(one.p[k], c.p[k]);
		Segmenter never = new Segmenter(x -> {
			throw new ai.djl.engine.EngineException("CUDA out of memory.");
		}, manager, 1, 4, 1, new SegmentOptions(4, 1, 2, 0, 1 << 20));
		var e = assertThrows(ai.djl.engine.EngineException.class, () -> never.run(ClipInput.of(img),
			new WindowIndexClassifier(), new Collect(), Progress.NONE));
		assertTrue(e.getMessage().contains("Out of memory for even one 4×4 window") && e.getMessage().contains(
			"--device cpu"), e.getMessage());
		Segmenter other = new Segmenter(x -> {
			throw new ai.djl.engine.EngineException("shape mismatch");
		}, manager, 1, 4, 1, new SegmentOptions(4, 1, 2, 0, 1 << 20));
		assertThrows(ai.djl.engine.EngineException.class, () -> other.run(ClipInput.of(img), new WindowIndexClassifier(),
			new Collect(), Progress.NONE), "other errors are not retried");
	}

	@Test
	void automaticBatchesComeFromTheGpusFreeMemory() {
		SegmentOptions o = SegmentOptions.defaults();
		long perWindow = 29_000_000L;
		assertEquals(8, o.autoBatch(perWindow, false, -1), "CPU: at most 8");
		assertEquals(37, o.autoBatch(perWindow, true, -1), "GPU, free memory unknown: the 1 GiB budget (cap 64)");
		assertEquals(241, o.autoBatch(perWindow, true, 10_000_000_000L), "70 % of 10 GB / 29 MB");
		assertEquals(24, o.autoBatch(perWindow, true, 1_000_000_000L));
		assertEquals(256, o.autoBatch(perWindow, true, 80_000_000_000L), "capped");
		assertEquals(1, o.autoBatch(perWindow, true, 10_000_000L), "at least one window");
		String note = o.resolve(16, 224, 580, true, 10_000_000_000L).notes().stream().filter(n -> n.startsWith("batch"))
			.findFirst().orElseThrow();
		assertTrue(note.contains("70 % of the GPU's 10.0 GB free"), note);
	}

	@Test
	void batchingDoesNotChangeTheAveraging() throws Exception {
		Collect one = runFake(9, 4, 1, 1), many = runFake(9, 4, 1, 5);
		for (int k = 0; k < 3; k++) assertArrayEquals(one.p[k], many.p[k]);
	}

	private static ImageSource noise(int w, int h, long seed) {
		Random r = new Random(seed);
		int[] rgb = new int[w * h];
		for (int i = 0; i < rgb.length; i++) rgb[i] = r.nextInt(1 << 24);
		// smooth horizontal bands so the image has structure
		for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) if ((y / 16) % 2 == 0) rgb[y * w + x] &= 0xff0000;
		return ArrayImage.ofRgb(w, h, ImageSource.Calibration.NONE, rgb);
	}

	private static Collect runReal(ImageSource img, SegmentOptions o) throws Exception {
		ZeroShotClassifier cls = new ZeroShotClassifier(vit, List.of("cat", "grass", "sky"),
			Templates.single("a photo of a {}."), 0, manager, Progress.NONE);
		try (cls) {
			Collect c = new Collect();
			Segmenter.Result r = Segmenter.of(vit, manager, o).run(ClipInput.of(img), cls, c, Progress.NONE);
			assertEquals((long) img.width() * img.height(), java.util.Arrays.stream(r.pixelCounts()).sum());
			return c;
		}
	}

	@Test
	void realModelProbabilitiesSumToOneAndLabelsAreArgmax() throws Exception {
		Collect c = runReal(noise(150, 100, 1), SegmentOptions.defaults());
		for (int i = 0; i < 150 * 100; i++) {
			float sum = 0;
			int best = 0;
			for (int k = 0; k < 3; k++) {
				sum += c.p[k][i];
				if (c.p[k][i] > c.p[best][i]) best = k;
			}
			assertEquals(1f, sum, 1e-5f);
			assertEquals(best, c.labels[i]);
		}
	}

	@Test
	void batchedAndUnbatchedForwardPassesAgree() throws Exception {
		ImageSource img = noise(200, 130, 2);
		Collect one = runReal(img, SegmentOptions.defaults().withBatch(1));
		Collect all = runReal(img, SegmentOptions.defaults().withBatch(64));
		for (int k = 0; k < 3; k++)
			for (int i = 0; i < one.p[k].length; i++) assertEquals(one.p[k][i], all.p[k][i], 2e-5f);
	}

	/**
	 * Cores of any size, each run with the whole grid's windows that touch it, stitch into the whole image's run:
	 * the same probabilities and labels (what a huge image split over Spark's executors relies on).
	 */
	@Test
	void coresStitchIntoTheWholeImagesRun() throws Exception {
		ImageSource img = noise(230, 170, 4);
		SegmentOptions o = SegmentOptions.defaults();
		Collect whole = runReal(img, o);
		ZeroShotClassifier cls = new ZeroShotClassifier(vit, List.of("cat", "grass", "sky"),
			Templates.single("a photo of a {}."), 0, manager, Progress.NONE);
		float[][] p = new float[3][230 * 170];
		int[] labels = new int[230 * 170];
		long[] counts = new long[3];
		try (cls) {
			Segmenter s = Segmenter.of(vit, manager, o);
			for (org.mvpseg.image.Rect core : List.of(new org.mvpseg.image.Rect(0, 0, 97, 61), new org.mvpseg.image.Rect(97,
				0, 133, 61), new org.mvpseg.image.Rect(0, 61, 230, 109))) {
				Segmenter.Result r = s.run(ClipInput.of(img), cls, (y0, rows, w, pr, l) -> {
					assertEquals(core.width(), w);
					for (int r2 = 0; r2 < rows; r2++)
						for (int i = 0; i < w; i++) {
							int dst = (y0 + r2) * 230 + core.x() + i;
							for (int k = 0; k < 3; k++) p[k][dst] = pr[k][r2 * w + i];
							labels[dst] = l[r2 * w + i];
						}
				}, Progress.NONE, core);
				assertEquals((long) core.width() * core.height(), java.util.Arrays.stream(r.pixelCounts()).sum());
				for (int k = 0; k < 3; k++) counts[k] += r.pixelCounts()[k];
			}
		}
		for (int k = 0; k < 3; k++) assertArrayEquals(whole.p[k], p[k], "class " + k);
		assertArrayEquals(whole.labels, labels);
		assertThrows(IllegalArgumentException.class, () -> Segmenter.of(vit, manager, o.withShortSide(100)).run(ClipInput
			.of(img), new WindowIndexClassifier(), new Collect(), Progress.NONE, new org.mvpseg.image.Rect(0, 0, 10, 10)));
	}

	@Test
	void tilesWithoutOverlapEqualSegmentingEachTileAlone() throws Exception {
		ImageSource img = noise(128, 128, 3);
		Collect tiled = runReal(img, SegmentOptions.defaults().withWindow(64, 64));
		// the top-right tile on its own
		float[] tile = new float[64 * 64 * 3];
		int[] rgb = new int[64 * 64];
		for (int c = 0; c < 3; c++) {
			img.read(c, 64, 0, 64, 64, tile);
			for (int i = 0; i < 64 * 64; i++) rgb[i] |= ((int) tile[i]) << (16 - 8 * c);
		}
		Collect alone = runReal(ArrayImage.ofRgb(64, 64, ImageSource.Calibration.NONE, rgb), SegmentOptions.defaults()
			.withWindow(64, 64));
		for (int k = 0; k < 3; k++)
			for (int y = 0; y < 64; y++)
				for (int x = 0; x < 64; x++)
					assertEquals(alone.p[k][y * 64 + x], tiled.p[k][y * 128 + 64 + x], 2e-5f);
	}

	@Test
	void wholeImageWindowEqualsAnyStrideWhenOneWindowCoversIt() throws Exception {
		ImageSource img = noise(96, 64, 4);
		Collect a = runReal(img, SegmentOptions.defaults().withWindow(96, 48));
		Collect b = runReal(img, SegmentOptions.defaults().withWindow(96, 16));
		for (int k = 0; k < 3; k++) assertArrayEquals(a.p[k], b.p[k], 1e-6f);
	}

	@Test
	void imagesSmallerThanTheWindowArePaddedAndCropped() throws Exception {
		Collect c = runReal(noise(40, 23, 5), SegmentOptions.defaults());
		assertEquals(40 * 23, c.labels.length);
	}

	@Test
	void rowsAreEmittedInBandsNotAllAtOnce() throws Exception {
		Collect c = runReal(noise(64, 640, 6), SegmentOptions.defaults().withBatch(2));
		assertTrue(c.bands.size() > 5, "rows should stream out band by band: " + c.bands);
		assertTrue(c.bands.stream().allMatch(n -> n <= 64), "no band taller than a window: " + c.bands);
	}

	@Test
	void resizingFirstGivesOutputsAtTheOriginalSize() throws Exception {
		ImageSource img = noise(150, 100, 8);
		Collect plain = runReal(img, SegmentOptions.defaults());
		Collect same = runReal(img, SegmentOptions.defaults().withShortSide(100)); // a no-op resize
		for (int k = 0; k < 3; k++) assertArrayEquals(plain.p[k], same.p[k], 1e-5f);
		Collect half = runReal(img, SegmentOptions.defaults().withShortSide(50));
		assertEquals(150 * 100, half.labels.length);
		for (int i = 0; i < half.labels.length; i += 37) {
			float sum = half.p[0][i] + half.p[1][i] + half.p[2][i];
			assertEquals(1f, sum, 1e-5f);
		}
	}

	@Test
	void scaledSourceIsBilinear() {
		float[] v = new float[16];
		for (int y = 0; y < 4; y++) for (int x = 0; x < 4; x++) v[y * 4 + x] = x + 10 * y;
		ImageSource s = new org.mvpseg.image.ScaledSource(ArrayImage.ofFloats(4, 4, ImageSource.Calibration.NONE, v), 2,
			2);
		float[] out = new float[4];
		s.read(0, 0, 0, 2, 2, out);
		assertArrayEquals(new float[] { 5.5f, 7.5f, 25.5f, 27.5f }, out, 1e-6f);
	}

	@Test
	void cancellationStopsBetweenBatches() {
		AtomicInteger polls = new AtomicInteger();
		Progress cancelAfterTwo = new Progress() {
			@Override
			public void update(String what, long done, long total) {}

			@Override
			public boolean isCancelled() {
				return polls.incrementAndGet() > 2;
			}
		};
		ZeroShotClassifier cls = new ZeroShotClassifier(vit, List.of("cat", "sky"), Templates.single(
			"a photo of a {}."), 0, manager, Progress.NONE);
		assertThrows(CancellationException.class, () -> Segmenter.of(vit, manager, SegmentOptions.defaults()
			.withBatch(1)).run(ClipInput.of(noise(300, 300, 7)), cls, new Collect(), cancelAfterTwo));
		cls.close();
	}
}
