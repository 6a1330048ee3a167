package org.mvpseg.features;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvpseg.TestFiles;
import org.mvpseg.image.ArrayImage;
import org.mvpseg.image.ImageSource;
import org.mvpseg.pipeline.Pipeline;
import org.mvpseg.pipeline.Prepared;
import org.mvpseg.pipeline.SegmentRequest;
import org.mvpseg.runtime.Progress;
import org.mvpseg.segment.SegmentationSink;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Stored features give a fresh run's result: labels equal, probabilities within 1e-6 (in fact equal), for every
 * method and refinement; they are reused only for the pixels, weights and options they were made with.
 */
class FeatureStoreTest {

	static final String VIT = TestFiles.fixture("clip-vit-tiny").resolve("clip.pt").toString();

	@TempDir
	Path tmp;

	/** Labels and probabilities of a whole image. */
	record Out(int[] labels, float[][] probabilities) {}

	static final class Collect implements SegmentationSink {
		final int w;
		final int[] labels;
		final float[][] p;

		Collect(int w, int h, int classes) {
			this.w = w;
			labels = new int[w * h];
			p = new float[classes][w * h];
		}

		@Override
		public void rows(int y0, int rows, int width, float[][] pr, int[] l) {
			System.arraycopy(l, 0, labels, y0 * w, rows * width);
			for (int c = 0; c < p.length; c++) System.arraycopy(pr[c], 0, p[c], y0 * w, rows * width);
		}
	}

	static ImageSource image(int w, int h, long seed) {
		java.util.Random r = new java.util.Random(seed);
		int[] rgb = new int[w * h];
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++) rgb[y * w + x] = (x < w / 2 ? 0xB03020 : 0x30A040) + (y / 8 % 2) * 0x202020 + r
				.nextInt(16) * 0x010101;
		return ArrayImage.ofRgb(w, h, ImageSource.Calibration.NONE, rgb);
	}

	static Out run(Prepared p, ImageSource img, FeatureStore store) throws Exception {
		var input = p.input(img);
		Collect c = new Collect(input.width(), input.height(), p.classNames().size());
		p.segment(input, c, Progress.NONE, null, store);
		return new Out(c.labels, c.p);
	}

	/** A run that writes {@code file}'s features (and commits them). */
	static void write(Prepared p, ImageSource img, Path file, FeatureFile.Precision precision) throws Exception {
		try (FeatureFile f = FeatureFile.open(file, p.featureIdentity(), precision)) {
			run(p, img, f);
			f.commit();
		}
	}

	static void assertSame(Out fresh, Out stored, String what) {
		assertArrayEquals(fresh.labels(), stored.labels(), what + ": labels");
		for (int c = 0; c < fresh.probabilities().length; c++) {
			float[] a = fresh.probabilities()[c], b = stored.probabilities()[c];
			double worst = 0;
			for (int i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
			assertTrue(worst <= 1e-6, what + ": probabilities of class " + c + " differ by " + worst);
		}
	}

	static SegmentRequest.Builder base() {
		return SegmentRequest.builder().model(VIT, null).windows(64, 32, 3, 0);
	}

	/**
	 * Features written by a run with classes A, then a run with {@code second} reading them, equal a fresh run of
	 * {@code second}; the reading run computes no window.
	 */
	void storedEqualsFresh(UnaryOperator<SegmentRequest.Builder> second, String what) throws Exception {
		ImageSource img = image(150, 110, 3);
		Path file = tmp.resolve(what.replaceAll("\\W", "_") + ".features");
		SegmentRequest first = base().classes("red, green").template("a photo of {}.").build();
		SegmentRequest then = second.apply(base()).build();
		Map<String, String> id;
		try (Prepared p = Pipeline.prepare(first, Progress.NONE); FeatureFile f = FeatureFile.open(file, p
			.featureIdentity(), FeatureFile.Precision.FP32))
		{
			id = p.featureIdentity();
			run(p, img, f);
			f.commit();
			assertEquals(0, f.stats().reused());
			assertTrue(f.stats().computed() > 0);
		}
		try (Prepared p = Pipeline.prepare(then, Progress.NONE)) {
			Out fresh = run(p, img, null);
			Map<String, String> now = p.featureIdentity();
			boolean keys = p.classifier().usesKeys();
			try (FeatureFile f = FeatureFile.open(file, now, FeatureFile.Precision.FP32)) {
				Out stored = run(p, img, f);
				f.commit();
				assertSame(fresh, stored, what);
				if (now.equals(id) && !keys) assertEquals(0, f.stats().computed(), what + ": no window computed again");
			}
			try (FeatureFile f = FeatureFile.open(file, now, FeatureFile.Precision.FP32)) {
				assertSame(fresh, run(p, img, f), what + " (second read)");
				assertEquals(0, f.stats().computed(), what + ": read twice, computed once");
			}
		}
	}

	@Test
	void zeroShotWithOtherNamesAndTemplates() throws Exception {
		storedEqualsFresh(b -> b.classes("green, blue, red, stripes").template("a {} in the picture."), "other names");
		storedEqualsFresh(b -> b.classes("green, red"), "85 templates");
	}

	@Test
	void temperatureDenoisingAndPamr() throws Exception {
		storedEqualsFresh(b -> b.classes("red, green, sky").temperature(40), "temperature");
		storedEqualsFresh(b -> b.classes("red, green, sky").template("a photo of {}.").denoise(0.5), "denoise");
		storedEqualsFresh(b -> b.classes("red, green, sky").template("a photo of {}.").pamr(true), "PAMR");
	}

	@Test
	void keySmoothingAddsKeysOnceThenReusesThem() throws Exception {
		storedEqualsFresh(b -> b.classes("red, green").template("a photo of {}.").keySmoothing(1.0), "key smoothing");
	}

	@Test
	void learnedPromptsWithAndWithoutGpr() throws Exception {
		Path prompts = tmp.resolve("p.safetensors");
		int width;
		try (Prepared p = Pipeline.prepare(base().classes("a, b").template("{}").build(), Progress.NONE)) {
			width = p.teacher().model().config().textWidth();
		}
		org.mvpseg.mvp.PromptSet.initial(3, 4, width, 7, false).save(prompts);
		storedEqualsFresh(b -> b.classes("red, green, blue").prompts(prompts.toString()), "MVP-SEG with GPR");
		storedEqualsFresh(b -> b.classes("red, green, blue").prompts(prompts.toString()).gpr(false), "MVP-SEG no GPR");
		storedEqualsFresh(b -> b.classes("red, green, blue").prompts(prompts.toString()).dropAbsent(true),
			"MVP-SEG, classes judged absent left out");
	}

	@Test
	void aStudentWithItsOwnLastBlock() throws Exception {
		Path student = tmp.resolve("s.student");
		var cfg = org.mvpseg.student.StudentTrainer.Config.builder().iterations(2).teacherIterations(2).batch(2).seed(1)
			.lr(0.05).fineTuneLastBlock(true, 1.0).build();
		List<org.mvpseg.student.StudentData.Source> images = List.of(new org.mvpseg.student.StudentData.Source("i",
			() -> image(80, 64, 1), null));
		try (Prepared t = Pipeline.prepare(base().classes("red, green, blue").template("a photo of {}.").build(),
			Progress.NONE))
		{
			new org.mvpseg.student.StudentTrainer(t.teacher(), cfg).train(images, List.of(), student, false, st -> {},
				Progress.NONE);
		}
		storedEqualsFresh(b -> b.classes("blue, red").student(student.toString()), "student");
		try (Prepared p = Pipeline.prepare(base().classes("red, green").student(student.toString()).build(),
			Progress.NONE))
		{
			assertTrue(p.featureIdentity().get("last_block").startsWith("student "), p.featureIdentity().toString());
		}
	}

	@Test
	void aStudentThatKeptItsTeachersGpr() throws Exception {
		Path prompts = tmp.resolve("gpr.prompts"), student = tmp.resolve("g.student");
		try (Prepared p = Pipeline.prepare(base().classes("a, b").template("{}").build(), Progress.NONE)) {
			// the paper's form: its starting τ₂ and no bias give g_c that differ between classes
			org.mvpseg.mvp.PromptSet.initial(3, 4, p.teacher().model().config().textWidth(), 7, false,
				org.mvpseg.mvp.GprForm.PAPER).save(prompts);
		}
		var cfg = org.mvpseg.student.StudentTrainer.Config.builder().iterations(2).batch(2).seed(1).build();
		List<org.mvpseg.student.StudentData.Source> images = List.of(new org.mvpseg.student.StudentData.Source("i",
			() -> image(80, 64, 1), null));
		try (Prepared t = Pipeline.prepare(base().classes("red, green, blue").prompts(prompts.toString()).build(),
			Progress.NONE))
		{
			assertTrue(new org.mvpseg.student.StudentTrainer(t.teacher(), cfg).train(images, List.of(), student, false,
				st -> {}, Progress.NONE).gpr().isPresent());
		}
		storedEqualsFresh(b -> b.classes("blue, red").student(student.toString()), "student with GPR");
		storedEqualsFresh(b -> b.classes("blue, red").student(student.toString()).gpr(false), "student, GPR off");
		storedEqualsFresh(b -> b.classes("blue, red").student(student.toString()).dropAbsent(true),
			"student, classes judged absent left out");
	}

	@Test
	void otherWeightsDenseModeOrPrecisionAreSaidAndRecomputed() throws Exception {
		ImageSource img = image(100, 80, 5);
		Path file = tmp.resolve("x.features");
		try (Prepared p = Pipeline.prepare(base().classes("red, green").template("{}").build(), Progress.NONE)) {
			write(p, img, file, FeatureFile.Precision.FP32);
			Map<String, String> other = new java.util.TreeMap<>(p.featureIdentity());
			other.put("dense_mode", "clearclip");
			try (FeatureFile f = FeatureFile.open(file, other, FeatureFile.Precision.FP32)) {
				assertNotNull(f.stats().note());
				assertTrue(f.stats().note().contains("dense_mode maskclip (this run: clearclip)"), f.stats().note());
			}
			try (FeatureFile f = FeatureFile.open(file, p.featureIdentity(), FeatureFile.Precision.FP16)) {
				assertTrue(f.stats().note().contains("float32"), f.stats().note());
			}
			// an edited image: the changed windows are computed again, the others reused, the result a fresh one's
			ImageSource edited = image(100, 80, 6);
			try (FeatureFile f = FeatureFile.open(file, p.featureIdentity(), FeatureFile.Precision.FP32)) {
				assertNull(f.stats().note());
				assertSame(run(p, edited, null), run(p, edited, f), "edited image");
				assertEquals(0, f.stats().reused(), "every window's pixels changed");
			}
		}
	}

	@Test
	void damagedOrCutFilesAreRecomputedNeverTrusted() throws Exception {
		ImageSource img = image(100, 80, 5);
		Path file = tmp.resolve("d.features");
		try (Prepared p = Pipeline.prepare(base().classes("red, green").template("{}").build(), Progress.NONE)) {
			Out fresh = run(p, img, null);
			write(p, img, file, FeatureFile.Precision.FP32);
			byte[] whole = Files.readAllBytes(file);
			Files.write(file, java.util.Arrays.copyOf(whole, whole.length - 100)); // cut short
			try (FeatureFile f = FeatureFile.open(file, p.featureIdentity(), FeatureFile.Precision.FP32)) {
				assertTrue(f.stats().note().contains("damaged"), f.stats().note());
				assertSame(fresh, run(p, img, f), "cut file");
				f.commit();
				assertEquals(0, f.stats().reused());
			}
			assertEquals(whole.length, Files.size(file), "replaced by a whole file");
			Files.write(file, "not features".getBytes());
			try (FeatureFile f = FeatureFile.open(file, p.featureIdentity(), FeatureFile.Precision.FP32)) {
				assertTrue(f.stats().note().contains("damaged"), f.stats().note());
			}
		}
	}

	@Test
	void aRunThatFailsLeavesTheStoredFileAsItWas() throws Exception {
		ImageSource img = image(100, 80, 5);
		Path file = tmp.resolve("k.features");
		try (Prepared p = Pipeline.prepare(base().classes("red, green").template("{}").build(), Progress.NONE)) {
			write(p, img, file, FeatureFile.Precision.FP32);
			byte[] before = Files.readAllBytes(file);
			try (FeatureFile f = FeatureFile.open(file, p.featureIdentity(), FeatureFile.Precision.FP32)) {
				run(p, image(100, 80, 9), f); // computes every window, then "fails": no commit
			}
			assertArrayEquals(before, Files.readAllBytes(file));
			try (var s = Files.list(tmp)) {
				assertEquals(List.of(file), s.toList(), "no temporary file left");
			}
		}
	}

	@Test
	void memoryFeaturesAreReusedAcrossRuns() throws Exception {
		ImageSource img = image(120, 90, 2);
		MemoryFeatures mem = new MemoryFeatures();
		try (Prepared a = Pipeline.prepare(base().classes("red, green").template("{}").build(), Progress.NONE)) {
			FeatureStore s = mem.run();
			run(a, img, s);
			assertTrue(s.stats().computed() > 0 && mem.bytes() > 0);
		}
		try (Prepared b = Pipeline.prepare(base().classes("sky, red, grass").build(), Progress.NONE)) {
			FeatureStore s = mem.run();
			assertSame(run(b, img, null), run(b, img, s), "memory");
			assertEquals(0, s.stats().computed());
		}
	}

	@Test
	void halfPrecisionFilesKeepMostLabels() throws Exception {
		ImageSource img = image(150, 110, 4);
		Path file = tmp.resolve("h.features");
		try (Prepared p = Pipeline.prepare(base().classes("red, green, blue").template("{}").build(), Progress.NONE)) {
			Out fresh = run(p, img, null);
			write(p, img, file, FeatureFile.Precision.FP16);
			try (FeatureFile f = FeatureFile.open(file, p.featureIdentity(), FeatureFile.Precision.FP16)) {
				Out half = run(p, img, f);
				assertEquals(0, f.stats().computed());
				int same = 0;
				for (int i = 0; i < fresh.labels().length; i++) if (fresh.labels()[i] == half.labels()[i]) same++;
				assertTrue(same >= 0.99 * fresh.labels().length, same + " of " + fresh.labels().length);
			}
		}
	}

	@Test
	void halfFloatsRoundTripAndRoundToNearestEven() {
		for (float v : new float[] { 0f, -0f, 1f, -2.5f, 65504f, 6.1035156e-5f, 5.9604645e-8f, 1e-3f, 0.1f })
			assertEquals(v, Half.toFloat(Half.fromFloat(v)), Math.abs(v) * 1e-3 + 1e-9, "" + v);
		assertEquals(Float.POSITIVE_INFINITY, Half.toFloat(Half.fromFloat(1e6f)));
		assertTrue(Float.isNaN(Half.toFloat(Half.fromFloat(Float.NaN))));
		assertEquals(1f, Half.toFloat(Half.fromFloat(1f + 0x1p-11f)), "a tie rounds to even");
		assertEquals(1f + 0x1p-9f, Half.toFloat(Half.fromFloat(1f + 0x1p-10f + 0x1p-11f)), "a tie rounds to even");
		for (int bits = 0; bits < 0x10000; bits++) { // every finite half survives the round trip
			short h = (short) bits;
			float f = Half.toFloat(h);
			if (!Float.isNaN(f)) assertEquals(h, Half.fromFloat(f), "half " + Integer.toHexString(bits));
		}
	}

	@Test
	void digestsSeeEveryPixelAndThePlace() {
		float[] a = new float[3 * 16 * 16];
		for (int i = 0; i < a.length; i++) a[i] = i * 0.01f;
		long d = WindowDigest.of(a, 0, a.length, 0, 0, 16, 16, 16, 16);
		assertEquals(d, WindowDigest.of(a.clone(), 0, a.length, 0, 0, 16, 16, 16, 16));
		for (int i : new int[] { 0, 1, 100, a.length - 1 }) {
			float[] b = a.clone();
			b[i] = Math.nextUp(b[i]);
			assertTrue(d != WindowDigest.of(b, 0, b.length, 0, 0, 16, 16, 16, 16), "pixel " + i);
		}
		assertTrue(d != WindowDigest.of(a, 0, a.length, 16, 0, 16, 16, 16, 16), "place");
	}
}
