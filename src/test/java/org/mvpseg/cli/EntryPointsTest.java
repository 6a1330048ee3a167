package org.mvpseg.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import ij.IJ;
import ij.ImagePlus;
import ij.io.FileSaver;
import ij.process.FloatProcessor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvpseg.fiji.FijiSegmentation;
import org.mvpseg.pipeline.Pipeline;
import org.mvpseg.pipeline.Prepared;
import org.mvpseg.pipeline.SegmentRequest;
import org.mvpseg.runtime.Progress;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Every entry point goes through one pipeline, resolves parameters once and says what it used. */
class EntryPointsTest {

	static final String W = SegmentCommandTest.WEIGHTS;

	@TempDir
	Path tmp;

	private static SegmentRequest cliRequest(String... argv) {
		return SegmentCommand.request(new Args(argv, 0, SegmentCommand.valued(SegmentCommand.REQUEST_OPTIONS, "classes"),
			SegmentCommand.switches(SegmentCommand.REQUEST_OPTIONS)));
	}

	@Test
	void fijiAndCommandLineResolveTheSameRequestToTheSameValuesAndLabels() throws Exception {
		SegmentRequest cli = cliRequest("--classes", "cat, grass, sky", "--weights", W, "--window", "40", "--stride",
			"24", "--template", "a photo of a {}.", "--dense-mode", "sclip", "--channels", "3,2,1");
		SegmentRequest fiji = org.mvpseg.fiji.TestOptions.of("cat, grass, sky", "ViT-B/16", W, "", "sclip", 40, 24,
			"a photo of a {}.", "3,2,1", false, true, false, false, false).request();
		Map<String, Object> a, b;
		try (Prepared p = Pipeline.prepare(cli, Progress.NONE)) {
			a = p.resolved().toMap();
		}
		try (Prepared p = Pipeline.prepare(fiji, Progress.NONE)) {
			b = p.resolved().toMap();
		}
		assertEquals(a, b);
		assertEquals(32, a.get("window"), "40 rounded down to whole 16-pixel patches");
		assertTrue(a.get("notes").toString().contains("window 40 → 32 (a multiple of the 16-pixel patch)"), a.toString());
		MainTest.Result r = MainTest.run("segment", "examples/chelsea.png", "--classes", "cat, grass, sky", "--weights",
			W, "--window", "40", "--stride", "24", "--template", "a photo of a {}.", "--dense-mode", "sclip",
			"--channels", "3,2,1", "--out", tmp.toString(), "--outputs", "labels");
		assertEquals(0, r.code(), r.out() + r.err());
		assertTrue(r.out().contains("window 40 → 32"), "the adjustment is echoed: " + r.out());
		ImagePlus img = IJ.openImage("examples/chelsea.png");
		FijiSegmentation.Outputs out = FijiSegmentation.run(img, org.mvpseg.fiji.TestOptions.of("cat, grass, sky",
			"ViT-B/16", W, "", "sclip", 40, 24, "a photo of a {}.", "3,2,1", false, true, false, false, false),
			Progress.NONE);
		byte[] fromFiji = (byte[]) out.labels().getProcessor().getPixels();
		byte[] fromCli = (byte[]) IJ.openImage(tmp.resolve("chelsea.labels.tif").toString()).getProcessor().getPixels();
		assertArrayEquals(fromCli, fromFiji);
		assertTrue(out.provenance().contains("window: 32 px, stride 24 px"), out.provenance());
	}

	@Test
	void aStrideBeyondTheWindowIsRefusedWhetherTheWindowIsGivenOrAutomatic() {
		MainTest.Result given = MainTest.run("segment", "examples/chelsea.png", "--classes", "cat, dog", "--weights", W,
			"--window", "64", "--stride", "100", "--out", tmp.toString());
		MainTest.Result automatic = MainTest.run("segment", "examples/chelsea.png", "--classes", "cat, dog", "--weights",
			W, "--stride", "100", "--out", tmp.toString());
		assertEquals(2, given.code(), given.err());
		assertEquals(2, automatic.code(), automatic.err());
		assertTrue(automatic.err().contains("The stride (100) is larger than the window (64, the model's input size)"),
			automatic.err());
	}

	@Test
	void commandLineMistakesExitWith2BeforeAnyModelLoads() {
		String missing = tmp.resolve("no-such-weights.pt").toString(); // never reached: the mistake is found first
		String[][] mistakes = { { "--classes", "a, a" }, { "--classes", "a, b", "--outputs", "labels,pictures" }, {
			"--classes", "a, b", "--dense-mode", "best" }, { "--classes", "a, b", "--template", "a photo" }, {
				"--classes", "a, b", "--denoise", "1.5" }, { "--classes", "a, b", "--key-smoothing", "-1" }, { "--classes",
					"a, b", "--channels", "0" }, { "--classes", "a, b", "--no-gpr" }, {
						"--classes", "a, b", "--temperature", "-1" } };
		for (String[] m : mistakes) {
			String[] argv = concat(new String[] { "segment", "examples/chelsea.png", "--weights", missing }, m);
			MainTest.Result r = MainTest.run(argv);
			assertEquals(2, r.code(), String.join(" ", m) + ": " + r.err());
			assertFalse(r.err().contains("no-such-weights"), "checked before the weights: " + r.err());
		}
		MainTest.Result model = MainTest.run("segment", "examples/chelsea.png", "--classes", "a, b", "--model", "ViT-Q/7",
			"--models-dir", tmp.toString());
		assertEquals(2, model.code(), model.err());
		assertTrue(model.err().contains("Unknown model 'ViT-Q/7'"), model.err());
	}

	@Test
	void aTemperatureChangesProbabilitiesNeverLabels() throws Exception {
		for (String[] t : new String[][] { {}, { "--temperature", "50" } }) {
			String[] argv = concat(new String[] { "segment", "examples/chelsea.png", "--classes", "cat, grass, sky",
				"--weights", W, "--template", "a photo of a {}.", "--out", tmp.resolve("t" + t.length).toString() }, t);
			assertEquals(0, MainTest.run(argv).code());
		}
		ImagePlus l0 = IJ.openImage(tmp.resolve("t0/chelsea.labels.tif").toString());
		ImagePlus l2 = IJ.openImage(tmp.resolve("t2/chelsea.labels.tif").toString());
		assertArrayEquals((byte[]) l0.getProcessor().getPixels(), (byte[]) l2.getProcessor().getPixels());
		float[] p0 = (float[]) IJ.openImage(tmp.resolve("t0/chelsea.probabilities.tif").toString()).getProcessor()
			.getPixels();
		float[] p2 = (float[]) IJ.openImage(tmp.resolve("t2/chelsea.probabilities.tif").toString()).getProcessor()
			.getPixels();
		assertFalse(java.util.Arrays.equals(p0, p2), "the probabilities are sharper or flatter");
		JsonObject s = JsonParser.parseString(Files.readString(tmp.resolve("t2/chelsea.summary.json")))
			.getAsJsonObject();
		assertTrue(s.getAsJsonObject("parameters").get("classifier").getAsString().contains(
			"softmax scale 50.00 (temperature asked for)"), s.toString());
	}

	@Test
	void everySubcommandPrintsItsUsageWithHelp() {
		for (String sub : new String[] { "segment", "train", "evaluate", "synthetic-data", "fetch-model", "models",
			"bench", "tokenize", "verify-reference" })
		{
			MainTest.Result r = MainTest.run(sub, "--help");
			assertEquals(0, r.code(), sub + ": " + r.err());
			assertTrue(r.out().startsWith("usage: " + sub), sub + ": " + r.out());
		}
	}

	@Test
	void anImageWithNoFinitePixelIsAnErrorAndOthersAreStillWritten() throws Exception {
		Path in = Files.createDirectories(tmp.resolve("in"));
		float[] nan = new float[40 * 30];
		java.util.Arrays.fill(nan, Float.NaN);
		new FileSaver(new ImagePlus("nan", new FloatProcessor(40, 30, nan))).saveAsTiff(in.resolve("a-nan.tif")
			.toString());
		MainTest.Result alone = MainTest.run("segment", in.resolve("a-nan.tif").toString(), "--classes", "a, b",
			"--weights", W, "--out", tmp.resolve("o1").toString());
		assertEquals(1, alone.code());
		assertTrue(alone.out().contains("no finite pixel"), alone.out());
		assertTrue(alone.out().contains("nothing was written") && !alone.out().contains("results of the others"),
			alone.out());
		Files.copy(Path.of("examples/cell.png"), in.resolve("b-cell.png"));
		MainTest.Result both = MainTest.run("segment", in.toString(), "--classes", "a, b", "--weights", W, "--out", tmp
			.resolve("o2").toString());
		assertEquals(1, both.code());
		assertTrue(both.out().contains("1 of 2 image(s) failed; results of the others are in"), both.out());
		assertTrue(Files.exists(tmp.resolve("o2/b-cell.labels.tif")));
		assertFalse(Files.exists(tmp.resolve("o2/a-nan.labels.tif")));
	}

	@Test
	void unusedChannelsAndAnOutputFolderThatIsAFileAreReported() throws Exception {
		MainTest.Result r = MainTest.run("segment", "examples/chelsea.png", "--classes", "a, b", "--weights", W,
			"--channels", "2", "--out", tmp.resolve("o").toString());
		assertEquals(0, r.code(), r.err());
		assertTrue(r.out().contains("channel(s) [1, 3] of 3 were not used"), r.out());
		JsonObject s = JsonParser.parseString(Files.readString(tmp.resolve("o/chelsea.summary.json")))
			.getAsJsonObject();
		assertTrue(s.get("scaling").getAsString().contains("channel(s) 1, 3 of 3 not used"), s.toString());
		Path file = Files.writeString(tmp.resolve("afile"), "x");
		MainTest.Result f = MainTest.run("segment", "examples/chelsea.png", "--classes", "a, b", "--weights", W, "--out",
			file.toString());
		assertEquals(1, f.code());
		assertTrue(f.out().contains("is a file; give a folder with --out"), f.out());
	}

	static String[] concat(String[] a, String[] b) {
		String[] c = java.util.Arrays.copyOf(a, a.length + b.length);
		System.arraycopy(b, 0, c, a.length, b.length);
		return c;
	}
}
