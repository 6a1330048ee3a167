package org.mvpseg.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import ij.IJ;
import ij.ImagePlus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** {@code --features DIR}: encode once, ask many times — on the command line and over Spark. */
class FeaturesCommandTest {

	static final String W = SegmentCommandTest.WEIGHTS;

	@TempDir
	Path tmp;

	static JsonObject summary(Path dir, String name) throws Exception {
		return JsonParser.parseString(Files.readString(dir.resolve(name + ".summary.json"))).getAsJsonObject();
	}

	static byte[] labels(Path dir, String name) {
		ImagePlus l = IJ.openImage(dir.resolve(name + ".labels.tif").toString());
		return (byte[]) l.getProcessor().getPixels();
	}

	static float[] probabilities(Path dir, String name, int plane) {
		ImagePlus p = IJ.openImage(dir.resolve(name + ".probabilities.tif").toString());
		return (float[]) p.getStack().getPixels(plane);
	}

	@Test
	void aSecondVocabularyReadsTheFeaturesAndEqualsAFreshRun() throws Exception {
		Path img = Path.of("examples", "chelsea.png"), features = tmp.resolve("features");
		Path first = tmp.resolve("first"), second = tmp.resolve("second"), fresh = tmp.resolve("fresh");
		MainTest.Result a = MainTest.run("segment", img.toString(), "--classes", "cat, grass", "--weights", W, "--out",
			first.toString(), "--features", features.toString(), "--template", "a photo of {}.");
		assertEquals(0, a.code(), a.out() + a.err());
		assertTrue(a.out().contains("windows computed, written to") && Files.exists(features.resolve("chelsea.features")),
			a.out());
		String[] again = { "segment", img.toString(), "--classes", "sky, cat, wall, grass", "--weights", W, "--out",
			second.toString(), "--features", features.toString() };
		MainTest.Result b = MainTest.run(again);
		assertEquals(0, b.code(), b.out() + b.err());
		assertTrue(b.out().contains("windows reused from"), b.out());
		JsonObject s = summary(second, "chelsea").getAsJsonObject("features");
		assertEquals(0, s.get("windows_computed").getAsInt(), s.toString());
		assertTrue(s.get("windows_reused").getAsInt() > 0 && s.get("bytes").getAsLong() > 0, s.toString());
		MainTest.Result c = MainTest.run("segment", img.toString(), "--classes", "sky, cat, wall, grass", "--weights", W,
			"--out", fresh.toString());
		assertEquals(0, c.code(), c.out() + c.err());
		assertArrayEquals(labels(fresh, "chelsea"), labels(second, "chelsea"), "labels from features = a fresh run's");
		for (int plane = 1; plane <= 4; plane++) {
			float[] x = probabilities(fresh, "chelsea", plane), y = probabilities(second, "chelsea", plane);
			for (int i = 0; i < x.length; i++) assertEquals(x[i], y[i], 1e-6f, "class " + plane + " pixel " + i);
		}
	}

	@Test
	void otherOptionsOrContentAreSaidAndRecomputed() throws Exception {
		Path features = tmp.resolve("f");
		Path img = tmp.resolve("cell.png");
		Files.copy(Path.of("examples", "cell.png"), img);
		MainTest.Result a = MainTest.run("segment", img.toString(), "--classes", "cell, background", "--weights", W,
			"--out", tmp.resolve("a").toString(), "--features", features.toString(), "--template", "{}");
		assertEquals(0, a.code(), a.out() + a.err());
		MainTest.Result b = MainTest.run("segment", img.toString(), "--classes", "cell, background", "--weights", W,
			"--out", tmp.resolve("b").toString(), "--features", features.toString(), "--template", "{}", "--dense-mode",
			"clearclip");
		assertEquals(0, b.code(), b.out() + b.err());
		assertTrue(b.out().contains("made with dense_mode maskclip (this run: clearclip): recomputed"), b.out());
		ImagePlus edited = IJ.openImage(img.toString());
		edited.getProcessor().invert();
		new ij.io.FileSaver(edited).saveAsPng(img.toString());
		MainTest.Result c = MainTest.run("segment", img.toString(), "--classes", "cell, background", "--weights", W,
			"--out", tmp.resolve("c").toString(), "--features", features.toString(), "--template", "{}", "--dense-mode",
			"clearclip");
		assertEquals(0, c.code(), c.out() + c.err());
		JsonObject s = summary(tmp.resolve("c"), "cell").getAsJsonObject("features");
		assertEquals(0, s.get("windows_reused").getAsInt(), "the content changed: nothing reused " + s);
		MainTest.Result half = MainTest.run("segment", img.toString(), "--classes", "cell, background", "--weights", W,
			"--out", tmp.resolve("d").toString(), "--features", features.toString(), "--features-precision", "fp8");
		assertEquals(2, half.code());
		assertTrue(half.err().contains("fp32 or fp16"), half.err());
		Files.writeString(tmp.resolve("file"), "x");
		MainTest.Result notDir = MainTest.run("segment", img.toString(), "--classes", "a, b", "--weights", W, "--features",
			tmp.resolve("file").toString());
		assertEquals(2, notDir.code());
		assertTrue(notDir.err().contains("is a file"), notDir.err());
	}

	@Test
	void sparksSecondVocabularyRunsNoImageTower() throws Exception {
		Path in = Files.createDirectories(tmp.resolve("in")), features = tmp.resolve("features");
		Files.copy(Path.of("examples", "coffee.png"), in.resolve("coffee.png"));
		IJ.saveAsTiff(IJ.openImage(Path.of("examples", "chelsea.png").toString()), in.resolve("chelsea.tif").toString());
		String[] job = { "spark", "--master", "local[2]", "--input", in.toString(), "--weights", W, "--features", features
			.toString(), "--tile", "100" };
		MainTest.Result a = MainTest.run(concat(job, "--out", tmp.resolve("one").toString(), "--classes", "cat, grass"));
		assertEquals(0, a.code(), a.out() + a.err());
		MainTest.Result b = MainTest.run(concat(job, "--out", tmp.resolve("two").toString(), "--classes",
			"sky, cat, cup"));
		assertEquals(0, b.code(), b.out() + b.err());
		for (String name : List.of("coffee", "chelsea")) {
			JsonObject f = summary(tmp.resolve("two"), name).getAsJsonObject("features");
			assertEquals(0, f.get("windows_computed").getAsInt(), name + ": " + f);
			assertTrue(f.get("windows_reused").getAsInt() > 0, name + ": " + f);
		}
		MainTest.Result c = MainTest.run("segment", in.resolve("coffee.png").toString(), in.resolve("chelsea.tif")
			.toString(), "--classes", "sky, cat, cup", "--weights", W, "--out", tmp.resolve("cli").toString(), "--outputs",
			"labels,summary");
		assertEquals(0, c.code(), c.out() + c.err());
		for (String name : List.of("coffee", "chelsea")) assertArrayEquals(labels(tmp.resolve("cli"), name), labels(tmp
			.resolve("two"), name), name);
		List<String> rows = SparkCommandTest.csv(tmp.resolve("two"));
		assertTrue(rows.stream().anyMatch(l -> l.contains("coffee.png,done,cup,")), rows.toString());
	}

	private static String[] concat(String[] a, String... b) {
		String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
		System.arraycopy(b, 0, out, a.length, b.length);
		return out;
	}
}
