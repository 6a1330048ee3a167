package org.mvpseg.fiji;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ij.IJ;
import ij.ImagePlus;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvpseg.TestFiles;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * The macros in macros/ run by a real ImageJ 1.x ({@code ij.ImageJ -batch}) under Xvfb, with the
 * plugin jar (and its dependencies) in ImageJ's plugins folder — as a user installs it. CI installs
 * Xvfb (.ci/run); elsewhere the test is skipped when xvfb-run is missing.
 */
class RealImageJTest {

	@TempDir
	static Path imagej;

	static String ijJar;

	@BeforeAll
	static void installPlugin() throws IOException {
		boolean ci = "true".equals(System.getenv("CI"));
		boolean xvfb = Stream.of(System.getenv("PATH").split(File.pathSeparator)).anyMatch(d -> Files.isExecutable(Path
			.of(d, "xvfb-run")));
		if (ci && !xvfb) throw new IllegalStateException("CI must provide xvfb-run (apt-get install xvfb)");
		assumeTrue(xvfb, "xvfb-run is not installed");
		Path plugins = Files.createDirectories(imagej.resolve("plugins/jars"));
		// the plugin jar, as `mvn package` would make it: classes plus plugins.config at the root
		try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(imagej.resolve("plugins/mvp_seg.jar") /* ImageJ 1.x loads plugin jars with a "_" in their name */));
			Stream<Path> files = Files.walk(Path.of("target/classes")))
		{
			for (Path f : (Iterable<Path>) files::iterator) {
				if (!Files.isRegularFile(f)) continue;
				jar.putNextEntry(new JarEntry(Path.of("target/classes").relativize(f).toString().replace('\\', '/')));
				Files.copy(f, jar);
				jar.closeEntry();
			}
		}
		for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
			Path p = Path.of(entry);
			String n = p.getFileName().toString();
			if (!n.endsWith(".jar")) continue;
			if (n.startsWith("ij-")) {
				ijJar = p.toString();
				continue;
			}
			if (n.startsWith("junit") || n.startsWith("opentest4j") || n.startsWith("apiguardian") || n.startsWith(
				"imglib2") || n.startsWith("mvp-seg")) continue; // scijava-common goes along: the commands implement its Command
			Files.createSymbolicLink(plugins.resolve(n), p.toAbsolutePath());
		}
		assertNotNull(ijJar, "ij.jar on the test class path");
	}

	private static String run(String macro, String args) throws Exception {
		return runFile(Path.of("macros", macro).toAbsolutePath(), args);
	}

	private static String runFile(Path macro, String args) throws Exception {
		List<String> cmd = new ArrayList<>(List.of("xvfb-run", "-a", Path.of(System.getProperty("java.home"), "bin",
			"java").toString(), "-Xmx4g", "-Dplugins.dir=" + imagej, "-Dai.djl.offline=true", "-cp", ijJar, "ij.ImageJ",
			"-batch", macro.toString(), args));
		String out = runProcess(cmd, Files.createTempFile(imagej, "imagej", ".log"));
		return out;
	}

	/** Runs ImageJ; its output goes to {@code logFile}. A run that outlives 180 s fails (a dialog waiting?). */
	static String runProcess(List<String> cmd, Path logFile) throws Exception {
		Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(logFile.toFile()).start();
		boolean done = p.waitFor(180, TimeUnit.SECONDS);
		if (!done) p.destroyForcibly().waitFor(); // a macro waiting on a dialog must fail the test, not hang it
		String out = Files.readString(logFile);
		if (!done) throw new AssertionError("ImageJ did not finish in 180 s (a dialog waiting?):\n" + out);
		assertEquals(0, p.exitValue(), out);
		return out;
	}

	@Test
	void batchMacroSegmentsAFolderInRealImageJ() throws Exception {
		Path in = Files.createDirectories(imagej.resolve("in")), out = imagej.resolve("out");
		Files.copy(Path.of("examples", "chelsea.png"), in.resolve("chelsea.png"));
		Files.copy(Path.of("examples", "cell.png"), in.resolve("cell.png"));
		String log = run("batch_segment_folder.ijm", "input=[" + in + "] output=[" + out + "] classes=[cat, grass, sky] "
			+ "weights=[" + TestFiles.fixture("clip-vit-tiny").resolve("clip.pt") + "]");
		assertTrue(log.contains("segmented 2 image(s)"), log);
		for (String name : new String[] { "chelsea", "cell" }) {
			ImagePlus labels = IJ.openImage(out.resolve(name + ".labels.tif").toString());
			assertNotNull(labels, log);
			ImagePlus src = IJ.openImage(in.resolve(name + ".png").toString());
			assertEquals(src.getWidth(), labels.getWidth());
			assertTrue(labels.getStatistics().max <= 2, "label values are class indices");
			ImagePlus prob = IJ.openImage(out.resolve(name + ".probabilities.tif").toString());
			assertEquals(3, prob.getNChannels());
			assertEquals("sky", prob.getStack().getSliceLabel(3));
			List<String> rows = Files.readAllLines(out.resolve(name + ".results.csv"));
			assertTrue(rows.get(0).contains("Class") && rows.get(0).contains("Area") && rows.get(0).contains(
				"Mean probability") && rows.get(0).contains("Window"), rows.get(0));
			assertTrue(rows.get(1).contains("zero-shot"), "the resolved values, not the typed ones: " + rows.get(1));
			assertEquals(4, rows.size(), "header + one row per class");
		}
	}

	/** Issue 27: the shipped batch macro writes each image's object ids and per-object table. */
	@Test
	void batchMacroWritesObjectFilesInRealImageJ() throws Exception {
		Path in = Files.createDirectories(imagej.resolve("in-objects")), out = imagej.resolve("out-objects");
		Files.copy(Path.of("examples", "coffee.png"), in.resolve("coffee.png"));
		String log = run("batch_segment_folder.ijm", "input=[" + in + "] output=[" + out + "] classes=[cat, grass, sky] "
			+ "weights=[" + TestFiles.fixture("clip-vit-tiny").resolve("clip.pt") + "] objects=[cat, sky] connectivity=4");
		assertTrue(log.contains("segmented 1 image(s)"), log);
		ImagePlus labels = IJ.openImage(out.resolve("coffee.labels.tif").toString());
		ImagePlus objects = IJ.openImage(out.resolve("coffee.objects.tif").toString());
		assertNotNull(objects, log);
		int[] l = ObjectsInFijiTest.values(labels);
		int[] expected = org.mvpseg.objects.ReferenceLabelling.floodFill(l, labels.getWidth(), labels.getHeight(),
			new boolean[] { true, false, true }, false);
		assertArrayEquals(expected, ObjectsInFijiTest.values(objects), "4-connected objects of cat and sky");
		List<String> rows = Files.readAllLines(out.resolve("coffee.objects.csv"));
		assertTrue(rows.get(0).contains("Object") && rows.get(0).contains("Centroid X"), rows.get(0));
		assertEquals(java.util.Arrays.stream(expected).max().orElse(0) + 1, rows.size(), "header + one row per object");
	}

	@Test
	void trainAndEvaluateMacrosInRealImageJ() throws Exception {
		Path train = imagej.resolve("train"), test = imagej.resolve("test"), prompts = imagej.resolve("p.prompts");
		assertEquals(0, org.mvpseg.cli.MainTestAccess.run("synthetic-data", train.toString(), "--images", "6"));
		assertEquals(0, org.mvpseg.cli.MainTestAccess.run("synthetic-data", test.toString(), "--images", "3", "--seed",
			"2"));
		String w = TestFiles.fixture("clip-vit-tiny").resolve("clip.pt").toString();
		String log = run("train_prompts.ijm", "input=[" + train + "] output=[" + prompts + "] classes=[red, green, "
			+ "blue, yellow] weights=[" + w + "] iterations=20 crop=64 learning_rate=0.05");
		assertTrue(Files.exists(prompts), log);
		assertTrue(log.contains("prompts written"), log);
		Path json = imagej.resolve("eval.json");
		log = run("evaluate.ijm", "input=[" + test + "] prompts=[" + prompts + "] classes=[red, green, blue, yellow] "
			+ "output=[" + json + "] weights=[" + w + "]");
		String j = Files.readString(json);
		assertTrue(j.contains("miou_seen") && j.contains("hiou") && j.contains("per_class"), log + j);
	}

	@Test
	void adaptMacroTrainsAStudentThatSegmentByNameUsesInRealImageJ() throws Exception {
		Path data = imagej.resolve("unlabeled"), student = imagej.resolve("s.student"), out = imagej.resolve("sout");
		assertEquals(0, org.mvpseg.cli.MainTestAccess.run("synthetic-data", data.toString(), "--images", "3", "--size",
			"64"));
		String w = TestFiles.fixture("clip-vit-tiny").resolve("clip.pt").toString();
		String log = run("adapt_to_unlabeled.ijm", "input=[" + data.resolve("images") + "] output=[" + student + "] "
			+ "classes=[red, green, blue] template=[a photo of {}.] weights=[" + w + "] iterations=4 batch=2");
		assertTrue(Files.exists(student) && log.contains("student written"), log);
		Path in = Files.createDirectories(imagej.resolve("sin"));
		Files.copy(Path.of("examples", "cell.png"), in.resolve("cell.png"));
		log = run("batch_segment_folder.ijm", "input=[" + in + "] output=[" + out + "] classes=[blue, red] student=["
			+ student + "] weights=[" + w + "]");
		List<String> rows = Files.readAllLines(out.resolve("cell.results.csv"));
		assertTrue(rows.get(1).contains("MVP-SEG+"), log + rows);
	}

	@Test
	void failingMacrosEndWithTheirMessageAndABatchSkipsOnlyBadImages() throws Exception {
		Path in = Files.createDirectories(imagej.resolve("mixed")), out = imagej.resolve("mixed-out");
		Files.copy(Path.of("examples", "chelsea.png"), in.resolve("chelsea.png")); // RGB
		Files.copy(Path.of("examples", "cell.png"), in.resolve("cell.png")); // grey: has no channel 3
		String w = TestFiles.fixture("clip-vit-tiny").resolve("clip.pt").toString();
		Path tif = imagej.resolve("coffee.tif");
		ij.IJ.saveAsTiff(ij.IJ.openImage(Path.of("examples", "coffee.png").toString()), tif.toString());
		byte[] whole = Files.readAllBytes(tif);
		Files.write(in.resolve("damaged.tif"), java.util.Arrays.copyOf(whole, whole.length / 3)); // cut short
		long t0 = System.nanoTime();
		String fatal = run("batch_segment_folder.ijm", "input=[" + in + "] output=[" + out + "] classes=[a, b] "
			+ "weights=[/nonexistent/clip.pt]");
		assertTrue(fatal.contains("stopped after 0 image(s)") && fatal.contains("/nonexistent/clip.pt"), fatal);
		String mixed = run("batch_segment_folder.ijm", "input=[" + in + "] output=[" + out + "] classes=[a, b] "
			+ "channels=[1,2,3] weights=[" + w + "]");
		assertTrue(mixed.contains("skipped cell.png") && mixed.contains("segmented 1 image(s)") && mixed.contains(
			"2 failed"), mixed);
		assertTrue(mixed.contains("skipped damaged.tif"), "a damaged TIFF is skipped with its reason: " + mixed);
		assertTrue(Files.exists(out.resolve("chelsea.labels.tif")), mixed);
		String single = run("segment_current_image.ijm", "input=[" + in.resolve("chelsea.png") + "] classes=[a, b] "
			+ "weights=[/nonexistent/clip.pt]");
		assertTrue(single.contains("file not found: /nonexistent/clip.pt"), single);
		assertTrue((System.nanoTime() - t0) / 1e9 < 150, "three failing or mixed macros end promptly");
	}

	/**
	 * A user at ImageJ's window (org.mvpseg.ijdriver.DialogSession): the dialog explains its fields and has Browse
	 * and Help buttons, records the field names as keys, remembers the confirmed values for the next dialog but
	 * never for a macro, shows progress in the status bar, stops on Esc leaving no output, and shows an error in a
	 * dialog.
	 */
	@Test
	void dialogsExplainRememberAndCancelInARealImageJWindow() throws Exception {
		Path result = imagej.resolve("session.txt"), config = Files.createDirectories(imagej.resolve("config"));
		Path shot = Path.of("target", "screenshot-dialog.png").toAbsolutePath();
		List<String> cmd = List.of("xvfb-run", "-a", "-s", "-screen 0 1600x1200x24", Path.of(System.getProperty(
			"java.home"), "bin", "java").toString(), "-Xmx4g", "-Dplugins.dir=" + imagej, "-Dmvpseg.config=" + config,
			"-Dai.djl.offline=true", "-cp", ijJar + File.pathSeparator + Path.of("target", "test-classes")
				.toAbsolutePath(), "org.mvpseg.ijdriver.DialogSession", result.toString(), Path.of("examples", "cell.png")
					.toAbsolutePath().toString(), TestFiles.fixture("clip-vit-tiny").resolve("clip.pt").toString(), shot
						.toString());
		String log = runProcess(cmd, imagej.resolve("session.log"));
		java.util.Properties found = new java.util.Properties();
		found.load(new java.io.StringReader(Files.readString(result).replace("\\", "\\\\")));
		String all = found + "\n" + log;
		assertEquals(null, found.getProperty("error"), all);
		assertEquals("true", found.getProperty("hint.classes"), all);
		assertEquals("true", found.getProperty("help.button"), all);
		assertTrue(Integer.parseInt(found.getProperty("browse.buttons")) >= 1, "prompts: " + all);
		assertTrue(Integer.parseInt(found.getProperty("main.inputs")) <= 8, "the main dialog: classes, prompts, objects, "
			+ "model and the outputs: " + all);
		assertTrue(Integer.parseInt(found.getProperty("advanced.inputs")) >= 15, "the rest one click away: " + all);
		assertEquals("cell.png", found.getProperty("table.image"), all);
		assertEquals("160", found.getProperty("table.window.dialog"), all);
		String rec = found.getProperty("recorded");
		for (String key : new String[] { "classes=[cell, background]", "window=160", "weights=", "dense_mode=",
			"show_labels", "add_rois", "model=", "prompts=", "device=", "protocol=", "temperature=", "planes=" })
			assertTrue(rec.contains(key), "recorded with the macro keys: " + key + " in " + rec);
		assertTrue(found.getProperty("roi.name").matches("(cell|background) \\(cell\\.png\\)"), "ROIs named by class "
			+ "and image: " + all);
		int first = Integer.parseInt(found.getProperty("rois.first")), second = Integer.parseInt(found.getProperty(
			"rois.second"));
		assertTrue(first > 0 && second > first, "a second run adds its ROIs: " + all);
		assertEquals(String.valueOf(second - first), found.getProperty("rois.replaced"), "replace_rois: the image's "
			+ "earlier ROIs give way to this run's (same options as the second run): " + all);
		assertEquals("cell, background", found.getProperty("remembered.classes"), all);
		assertEquals("160", found.getProperty("remembered.window"), all);
		assertTrue(!found.getProperty("table.window.macro").equals("160") && !found.getProperty("table.window.macro")
			.isEmpty(), "a macro's omitted key takes its default: " + all);
		assertTrue(found.getProperty("train.label.choices", "").contains("cell.png"), "open images to choose: " + all);
		assertTrue(found.getProperty("status").startsWith("MVP-SEG: ") && found.getProperty("status").contains(
			"Esc cancels"), all);
		assertEquals("true", found.getProperty("escape.stopped"), all);
		assertEquals("0", found.getProperty("escape.new.images"), "a cancelled run shows nothing: " + all);
		assertEquals("true", found.getProperty("log.cancelled"), all);
		assertEquals("shown", found.getProperty("error.dialog"), "an interactive error opens an error dialog: " + all);
		assertEquals("true", found.getProperty("error.log"), all);
	}

	/**
	 * Explore Names in a real window: the first names encode the image, other names come from its kept features, the
	 * overlay and preview show them, Create outputs makes Segment by Name's outputs and records a line that replays
	 * to the same labels, Esc stops an encoding, closing the image releases its features and the window.
	 */
	@Test
	void exploreNamesAnswersNewNamesFromKeptFeaturesInARealWindow() throws Exception {
		Path result = imagej.resolve("explore.txt");
		List<String> cmd = List.of("xvfb-run", "-a", "-s", "-screen 0 1600x1200x24", Path.of(System.getProperty(
			"java.home"), "bin", "java").toString(), "-Xmx4g", "-Dplugins.dir=" + imagej, "-Dmvpseg.config=" + imagej
				.resolve("config"), "-Dai.djl.offline=true", "-cp", ijJar + File.pathSeparator + Path.of("target",
					"test-classes").toAbsolutePath(), "org.mvpseg.ijdriver.ExploreSession", result.toString(), Path.of(
						"examples", "cell.png").toAbsolutePath().toString(), TestFiles.fixture("clip-vit-tiny").resolve(
							"clip.pt").toString(), Path.of("target").toAbsolutePath().toString());
		String log = runProcess(cmd, imagej.resolve("explore.log"));
		java.util.Properties found = new java.util.Properties();
		found.load(new java.io.StringReader(Files.readString(result).replace("\\", "\\\\")));
		String all = found + "\n" + log;
		assertEquals(null, found.getProperty("error"), all);
		assertTrue(found.getProperty("first.status").contains("image encoded"), all);
		assertTrue(found.getProperty("second.status").contains("image side from memory"), all);
		assertEquals("1", found.getProperty("overlay.elements"), all);
		assertEquals("1", found.getProperty("legend"), all);
		assertEquals("4", found.getProperty("classes.choice"), "a preview for each class: " + all);
		assertEquals("true", found.getProperty("preview"), all);
		assertTrue(found.getProperty("create.status").startsWith("Outputs created"), all);
		assertTrue(found.getProperty("recorded").contains("classes=[nucleus, membrane, background, debris]"), all);
		assertEquals("true", found.getProperty("replayed.equal"), "the recorded line gives the same labels: " + all);
		assertTrue(found.getProperty("features.held").contains("cell.png"), all);
		assertTrue(found.getProperty("escape.status").contains("Cancelled"), all);
		assertTrue(!found.getProperty("features.after.close").contains("cell.png"), all);
		assertEquals("true", found.getProperty("explorer.closed"), all);
		assertTrue(found.getProperty("stack.first").contains("image encoded"), all);
		assertTrue(found.getProperty("stack.second").contains("image encoded"), "the second plane encoded when visited: "
			+ all);
		assertTrue(found.getProperty("stack.held").contains("(z=1, t=1)") && found.getProperty("stack.held").contains(
			"(z=2, t=1)"), "both planes' features kept: " + all);
	}

	@Test
	void aMistypedKeyIsNamedInTheLog() throws Exception {
		Path macro = imagej.resolve("typo.ijm");
		Files.writeString(macro, "open(\"" + Path.of("examples", "cell.png").toAbsolutePath() + "\");\n"
			+ "run(\"Segment by Name...\", \"clases=[a, b] classes=[cell, background] weights=["
			+ TestFiles.fixture("clip-vit-tiny").resolve("clip.pt") + "] show_labels\");\nprint(\"finished\");\n");
		String log = runFile(macro, "");
		assertTrue(log.contains("unknown macro key(s) clases ignored") && log.contains("finished"), log);
	}

	@Test
	void singleImageMacroKeepsCalibrationAndNames() throws Exception {
		ImagePlus cell = IJ.openImage(Path.of("examples", "cell.png").toString());
		cell.getCalibration().pixelWidth = cell.getCalibration().pixelHeight = 0.107;
		cell.getCalibration().setUnit("micron");
		Path tif = imagej.resolve("cell.tif"), out = imagej.resolve("single");
		new ij.io.FileSaver(cell).saveAsTiff(tif.toString());
		String log = run("segment_current_image.ijm", "input=[" + tif + "] output=[" + out + "] classes=[cell, "
			+ "background] weights=[" + TestFiles.fixture("clip-vit-tiny").resolve("clip.pt") + "]");
		ImagePlus labels = IJ.openImage(out.resolve("cell.labels.tif").toString());
		assertNotNull(labels, log);
		assertEquals(0.107, labels.getCalibration().pixelWidth, 1e-6);
		assertEquals("micron", labels.getCalibration().getUnit());
		java.util.regex.Matcher rois = java.util.regex.Pattern.compile("MVP-SEG: (\\d+) ROI\\(s\\)").matcher(log);
		assertTrue(rois.find(), log);
		int n = Integer.parseInt(rois.group(1));
		assertTrue(n >= 1 && n <= 2, "one ROI per class present: " + n);
		List<String> rows = Files.readAllLines(out.resolve("cell.results.csv"));
		assertEquals(3, rows.size(), "header + one row per class");
	}
}
