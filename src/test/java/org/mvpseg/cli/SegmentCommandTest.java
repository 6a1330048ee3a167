package org.mvpseg.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.io.FileSaver;
import ij.process.FloatProcessor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvpseg.TestFiles;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The main job end to end: real images in, files ImageJ opens out. */
class SegmentCommandTest {

	@TempDir
	Path tmp;

	static final String WEIGHTS = TestFiles.fixture("clip-vit-tiny").resolve("clip.pt").toString();
	static final List<String> EXAMPLES = List.of("astronaut", "cell", "chelsea", "coffee", "ihc");

	@Test
	void segmentsTheFiveExamplesIntoFilesImageJReads() throws Exception {
		Path out = tmp.resolve("out");
		MainTest.Result r = MainTest.run("segment", "examples", "--classes", "cat, grass, sky", "--weights", WEIGHTS,
			"--out", out.toString());
		assertEquals(0, r.code(), r.out() + r.err());
		for (String name : EXAMPLES) {
			ImagePlus src = IJ.openImage(Path.of("examples", name + ".png").toString());
			ImagePlus labels = IJ.openImage(out.resolve(name + ".labels.tif").toString());
			ImagePlus prob = IJ.openImage(out.resolve(name + ".probabilities.tif").toString());
			assertNotNull(labels, name);
			assertNotNull(prob, name);
			assertEquals(src.getWidth(), labels.getWidth());
			assertEquals(src.getHeight(), labels.getHeight());
			assertEquals(ImagePlus.GRAY8, labels.getType());
			assertEquals("cat", labels.getProp("class.0"));
			assertEquals("sky", labels.getProp("class.2"));
			assertTrue(labels.getInfoProperty().contains("1 = grass"));
			assertEquals(3, prob.getStackSize());
			assertEquals("grass", prob.getStack().getSliceLabel(2));
			float[][] p = new float[3][];
			for (int c = 0; c < 3; c++) p[c] = (float[]) prob.getStack().getPixels(c + 1);
			byte[] l = (byte[]) labels.getProcessor().getPixels();
			for (int i = 0; i < l.length; i++) {
				assertEquals(1f, p[0][i] + p[1][i] + p[2][i], 1e-5f, name + " pixel " + i);
				int best = p[1][i] > p[0][i] ? 1 : 0;
				if (p[2][i] > p[best][i]) best = 2;
				assertEquals(best, l[i], name + " label is the argmax at " + i);
			}
			JsonObject s = JsonParser.parseString(Files.readString(out.resolve(name + ".summary.json")))
				.getAsJsonObject();
			long sum = 0;
			for (var e : s.getAsJsonArray("classes")) sum += e.getAsJsonObject().get("pixels").getAsLong();
			assertEquals((long) src.getWidth() * src.getHeight(), sum);
			assertTrue(s.has("seconds") && s.getAsJsonObject("parameters").has("weights") && s.getAsJsonObject(
				"parameters").get("window").getAsInt() == 64, s.toString());
			assertTrue(s.getAsJsonObject("parameters").get("device").getAsString().contains("device cpu — auto: the CPU "
				+ "libtorch is loaded"), "the device used and why: " + s);
		}
	}

	/**
	 * Partial files a killed run left (untouched for over an hour) are removed when the set completes, and the run
	 * says so; a fresh partial file (another run still writing) is left alone.
	 */
	@Test
	void partialFilesOfAKilledRunAreCleanedAndSaid() throws Exception {
		Path out = Files.createDirectories(tmp.resolve("out"));
		Path stale = Files.writeString(out.resolve(".cell.labels.tif.1a2b3c4d.part"), "half");
		Files.setLastModifiedTime(stale, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 2
			* 3600_000L));
		Path live = Files.writeString(out.resolve(".cell.probabilities.tif.5e6f7a8b.part"), "being written");
		MainTest.Result r = MainTest.run("segment", Path.of("examples", "cell.png").toString(), "--classes", "a, b",
			"--weights", WEIGHTS, "--out", out.toString());
		assertEquals(0, r.code(), r.out() + r.err());
		assertTrue(r.out().contains("removed 1 partial file(s) a killed earlier run left"), r.out());
		assertFalse(Files.exists(stale));
		assertTrue(Files.exists(live), "a partial file written within the hour may be another run's");
	}

	/** Two inputs whose outputs would share names are refused before any work: neither set replaces the other. */
	@Test
	void inputsWithTheSameNameAreRefusedBeforeAnyWork() throws Exception {
		Path a = Files.createDirectories(tmp.resolve("a")), b = Files.createDirectories(tmp.resolve("b"));
		Files.copy(Path.of("examples", "cell.png"), a.resolve("x.png"));
		Files.copy(Path.of("examples", "coffee.png"), b.resolve("x.png"));
		Files.copy(Path.of("examples", "coffee.png"), a.resolve("coffee.png"));
		IJ.saveAsTiff(IJ.openImage(Path.of("examples", "coffee.png").toString()), a.resolve("coffee.tif").toString());
		Path out = tmp.resolve("out");
		for (String[] inputs : List.of(new String[] { a.resolve("x.png").toString(), b.resolve("x.png").toString() },
			new String[] { a.resolve("coffee.png").toString(), a.resolve("coffee.tif").toString() }))
		{
			List<String> args = new java.util.ArrayList<>(List.of("segment"));
			args.addAll(List.of(inputs));
			args.addAll(List.of("--classes", "a, b", "--weights", WEIGHTS, "--out", out.toString()));
			MainTest.Result r = MainTest.run(args.toArray(new String[0]));
			assertEquals(2, r.code(), r.out() + r.err());
			assertTrue(r.err().contains("outputs of the same names") && r.err().contains("different --out"), r.err());
			assertFalse(Files.exists(out), "nothing written");
		}
	}

	/** examples/cell.png as {@code dir/cell.tif} with pixels of {@code width} × {@code height} microns. */
	static Path calibratedCell(Path dir, double width, double height) {
		ImagePlus cell = IJ.openImage(Path.of("examples", "cell.png").toString());
		cell.getCalibration().pixelWidth = width;
		cell.getCalibration().pixelHeight = height;
		cell.getCalibration().setUnit("micron");
		Path tif = dir.resolve("cell.tif");
		assertTrue(new FileSaver(cell).saveAsTiff(tif.toString()));
		return tif;
	}

	@Test
	void pixelSizeIsKeptAndAreasAreCalibrated() throws Exception {
		Path tif = calibratedCell(tmp, 0.107, 0.107);
		MainTest.Result r = MainTest.run("segment", tif.toString(), "--classes", "nucleus, background", "--weights",
			WEIGHTS, "--out", tmp.resolve("o").toString(), "--template", "a microscopy image of {}.");
		assertEquals(0, r.code(), r.out() + r.err());
		ImagePlus labels = IJ.openImage(tmp.resolve("o/cell.labels.tif").toString());
		assertEquals(0.107, labels.getCalibration().pixelWidth, 1e-6);
		assertEquals("micron", labels.getCalibration().getUnit());
		ImagePlus prob = IJ.openImage(tmp.resolve("o/cell.probabilities.tif").toString());
		assertEquals(0.107, prob.getCalibration().pixelHeight, 1e-6);
		JsonObject s = JsonParser.parseString(Files.readString(tmp.resolve("o/cell.summary.json"))).getAsJsonObject();
		JsonObject c0 = s.getAsJsonArray("classes").get(0).getAsJsonObject();
		double area = c0.get("pixels").getAsLong() * 0.107 * 0.107;
		assertEquals(area, c0.get("area").getAsDouble(), 1e-6 * area);
		assertEquals("micron^2", s.get("area_unit").getAsString());
	}

	@Test
	void nanAndInfinityAreLeftOutAndReported() throws Exception {
		FloatProcessor fp = new FloatProcessor(80, 70);
		for (int i = 0; i < 80 * 70; i++) fp.setf(i, (i % 80) * 3.5f + 1000);
		for (int i = 0; i < 200; i++) fp.setf(i, Float.NaN);
		fp.setf(300, Float.POSITIVE_INFINITY);
		Path tif = tmp.resolve("float.tif");
		new FileSaver(new ImagePlus("float", fp)).saveAsTiff(tif.toString());
		MainTest.Result r = MainTest.run("segment", tif.toString(), "--classes", "cell, background", "--weights",
			WEIGHTS, "--out", tmp.resolve("o").toString());
		assertEquals(0, r.code(), r.out() + r.err());
		assertTrue(r.out().contains("201 NaN/infinite values"), r.out());
		JsonObject s = JsonParser.parseString(Files.readString(tmp.resolve("o/float.summary.json"))).getAsJsonObject();
		assertEquals(201, s.get("non_finite_pixels").getAsLong());
		assertTrue(s.get("scaling").getAsString().contains("1000"));
	}

	@Test
	void sixteenBitAndMultiChannelImages() throws Exception {
		ImageStack st = new ImageStack(50, 40);
		for (int c = 0; c < 4; c++) {
			short[] px = new short[50 * 40];
			for (int i = 0; i < px.length; i++) px[i] = (short) (i * (c + 1) % 4096);
			st.addSlice("c" + c, px);
		}
		ImagePlus imp = new ImagePlus("multi", st);
		imp.setDimensions(4, 1, 1);
		Path tif = tmp.resolve("multi.tif");
		new FileSaver(imp).saveAsTiff(tif.toString());
		MainTest.Result r = MainTest.run("segment", tif.toString(), "--classes", "a, b", "--weights", WEIGHTS, "--out",
			tmp.resolve("o").toString(), "--channels", "4,2,1");
		assertEquals(0, r.code(), r.out() + r.err());
		JsonObject s = JsonParser.parseString(Files.readString(tmp.resolve("o/multi.summary.json"))).getAsJsonObject();
		assertTrue(s.get("scaling").getAsString().startsWith("R = channel 4"), s
			.toString());
		MainTest.Result bad = MainTest.run("segment", tif.toString(), "--classes", "a, b", "--weights", WEIGHTS, "--out",
			tmp.resolve("o2").toString(), "--channels", "5");
		assertEquals(1, bad.code());
		assertTrue(bad.out().contains("Channel 5 does not exist"), bad.out());
	}

	@Test
	void existingOutputsAreNeverOverwrittenSilently() throws Exception {
		Path out = tmp.resolve("out");
		String[] args = { "segment", "examples/chelsea.png", "--classes", "cat, grass", "--weights", WEIGHTS, "--out",
			out.toString() };
		assertEquals(0, MainTest.run(args).code());
		byte[] before = Files.readAllBytes(out.resolve("chelsea.labels.tif"));
		Files.writeString(out.resolve("chelsea.summary.json"), "mine");
		MainTest.Result again = MainTest.run(args);
		assertEquals(1, again.code());
		assertTrue(again.out().contains("exists already") && again.out().contains("--overwrite"), again.out());
		assertEquals("mine", Files.readString(out.resolve("chelsea.summary.json")));
		assertArrayEquals(before, Files.readAllBytes(out.resolve("chelsea.labels.tif")));
		String[] overwrite = java.util.Arrays.copyOf(args, args.length + 1);
		overwrite[args.length] = "--overwrite";
		assertEquals(0, MainTest.run(overwrite).code());
		assertFalse(Files.readString(out.resolve("chelsea.summary.json")).equals("mine"));
	}

	@Test
	void aBadImageInAFolderIsReportedAndTheRestContinue() throws Exception {
		Path in = Files.createDirectories(tmp.resolve("in"));
		Files.copy(Path.of("examples", "chelsea.png"), in.resolve("a.png"));
		Files.writeString(in.resolve("b.png"), "this is not a png");
		Files.copy(Path.of("examples", "coffee.png"), in.resolve("c.png"));
		Path inputCopy = in.resolve("a.png");
		byte[] original = Files.readAllBytes(inputCopy);
		MainTest.Result r = MainTest.run("segment", in.toString(), "--classes", "cat, cup", "--weights", WEIGHTS,
			"--out", tmp.resolve("o").toString(), "--outputs", "labels,summary");
		assertEquals(1, r.code());
		assertTrue(r.out().contains("[2/3]") && r.out().contains("failed: cannot read b.png"), r.out());
		assertTrue(r.out().contains("1 of 3 image(s) failed"), r.out());
		assertTrue(Files.exists(tmp.resolve("o/a.labels.tif")) && Files.exists(tmp.resolve("o/c.labels.tif")));
		assertFalse(Files.exists(tmp.resolve("o/a.probabilities.tif")), "only the chosen outputs");
		assertArrayEquals(original, Files.readAllBytes(inputCopy), "the input is never modified");
	}

	@Test
	void keySmoothingKeepsProbabilitiesAndArgmaxLabels() throws Exception {
		Path out = tmp.resolve("ks");
		MainTest.Result r = MainTest.run("segment", "examples/chelsea.png", "--classes", "cat, grass, sky", "--weights",
			WEIGHTS, "--out", out.toString(), "--key-smoothing", "1.0", "--denoise", "0.5");
		assertEquals(0, r.code(), r.out() + r.err());
		assertTrue(r.out().contains("key smoothing 1.0"), r.out());
		ImagePlus prob = IJ.openImage(out.resolve("chelsea.probabilities.tif").toString());
		ImagePlus labels = IJ.openImage(out.resolve("chelsea.labels.tif").toString());
		float[][] p = new float[3][];
		for (int c = 0; c < 3; c++) p[c] = (float[]) prob.getStack().getPixels(c + 1);
		byte[] l = (byte[]) labels.getProcessor().getPixels();
		for (int i = 0; i < l.length; i += 7) {
			assertEquals(1f, p[0][i] + p[1][i] + p[2][i], 1e-5f);
			int best = p[1][i] > p[0][i] ? 1 : 0;
			if (p[2][i] > p[best][i]) best = 2;
			assertEquals(best, l[i]);
		}
	}

	/** A TIFF read by rectangles that turns out cut short: that image fails with the reason, nothing is left. */
	@Test
	void aTruncatedTiffFailsWithItsName() throws Exception {
		ImagePlus cell = IJ.openImage(Path.of("examples", "cell.png").toString());
		Path tif = tmp.resolve("cut.tif");
		new ij.io.FileSaver(cell).saveAsTiff(tif.toString());
		byte[] all = Files.readAllBytes(tif);
		Files.write(tif, java.util.Arrays.copyOf(all, all.length / 2));
		MainTest.Result r = MainTest.run("segment", tif.toString(), "--classes", "a, b", "--weights", WEIGHTS, "--out",
			tmp.resolve("cut-out").toString());
		assertEquals(1, r.code(), r.out() + r.err());
		assertTrue(r.out().contains("failed: cut.tif is damaged") && r.out().contains("truncated"), r.out());
		assertTrue(!Files.exists(tmp.resolve("cut-out/cut.labels.tif")), "no partial output");
	}

	@Test
	void halfPrecisionAndTheDeviceFromTheCommandLine() throws Exception {
		MainTest.Result r = MainTest.run("segment", "examples/chelsea.png", "--classes", "cat, grass", "--weights",
			WEIGHTS, "--out", tmp.resolve("h").toString(), "--half", "--device", "cpu");
		assertEquals(0, r.code(), r.out() + r.err());
		JsonObject p = JsonParser.parseString(Files.readString(tmp.resolve("h/chelsea.summary.json"))).getAsJsonObject()
			.getAsJsonObject("parameters");
		assertTrue(p.get("precision").getAsString().startsWith("fp16"), p.toString());
		assertTrue(p.get("device").getAsString().contains("device cpu — as asked (device cpu)"), p.toString());
		MainTest.Result gpu = MainTest.run("segment", "examples/chelsea.png", "--classes", "cat, grass", "--weights",
			WEIGHTS, "--out", tmp.resolve("g").toString(), "--device", "gpu");
		assertEquals(2, gpu.code(), "no GPU here: refused as a request, with the reason");
		assertTrue(gpu.err().contains("No GPU can be used: the CPU libtorch is loaded"), gpu.err());
		assertTrue(!Files.exists(tmp.resolve("g/chelsea.labels.tif")), "nothing written");
		MainTest.Result typo = MainTest.run("segment", "examples/chelsea.png", "--classes", "cat, grass", "--weights",
			WEIGHTS, "--device", "gpu0");
		assertEquals(2, typo.code());
		assertTrue(typo.err().contains("auto, cpu, gpu or gpu:N"), typo.err());
	}

	@Test
	void trainingFreeDenseModesFromTheCommandLine() throws Exception {
		MainTest.Result r = MainTest.run("segment", "examples/chelsea.png", "--classes", "cat, grass", "--weights",
			WEIGHTS, "--out", tmp.resolve("o").toString(), "--dense-mode", "naclip", "--template", "a photo of a {}.");
		assertEquals(0, r.code(), r.out() + r.err());
		JsonObject s = JsonParser.parseString(Files.readString(tmp.resolve("o/chelsea.summary.json"))).getAsJsonObject();
		assertEquals("naclip", s.getAsJsonObject("parameters").get("dense_mode").getAsString());
		MainTest.Result bad = MainTest.run("segment", "examples/chelsea.png", "--classes", "cat, grass", "--weights",
			WEIGHTS, "--dense-mode", "best");
		assertEquals(2, bad.code(), "a mistake in the command line");
		assertTrue(bad.err().contains("Unknown dense mode"), bad.err());
	}

	@Test
	void badClassNamesAndOptionsSayWhatToDo() {
		MainTest.Result empty = MainTest.run("segment", "examples/chelsea.png", "--classes", " ", "--weights", WEIGHTS);
		assertEquals(2, empty.code());
		assertTrue(empty.err().contains("No class names given"), empty.err());
		MainTest.Result one = MainTest.run("segment", "examples/chelsea.png", "--classes", "cat", "--weights", WEIGHTS);
		assertTrue(one.err().contains("at least two classes"), one.err());
		MainTest.Result comma = MainTest.run("segment", "examples/chelsea.png", "--classes", "cat,,dog", "--weights",
			WEIGHTS);
		assertTrue(comma.err().contains("extra comma"), comma.err());
		MainTest.Result stride = MainTest.run("segment", "examples/chelsea.png", "--classes", "cat, dog", "--weights",
			WEIGHTS, "--window", "64", "--stride", "100");
		assertTrue(stride.err().contains("larger than the window"), stride.err());
		assertEquals(2, stride.code());
		MainTest.Result out = MainTest.run("segment", "examples/chelsea.png", "--classes", "cat, dog", "--weights",
			WEIGHTS, "--outputs", "labels,pictures");
		assertTrue(out.err().contains("Unknown output 'pictures'"), out.err());
		MainTest.Result missing = MainTest.run("segment", "nope.png", "--classes", "cat, dog", "--weights", WEIGHTS);
		assertTrue(missing.err().contains("not found: nope.png"), missing.err());
	}
}
