package org.mvpseg.fiji;

import org.mvpseg.imagej.ImgLib2Source;
import org.mvpseg.imagej.ImagePlusSource;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.Macro;
import ij.WindowManager;
import ij.measure.ResultsTable;
import ij.plugin.frame.RoiManager;
import org.junit.jupiter.api.Test;
import org.mvpseg.pipeline.SegmentOption;
import org.mvpseg.TestFiles;
import org.scijava.Context;
import org.scijava.command.CommandModule;
import org.scijava.command.CommandService;
import org.scijava.plugin.Parameter;

import java.lang.reflect.Field;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The Fiji layer: the SciJava command through a Context, the ImageJ 1.x plugin through macro options. */
class FijiCommandsTest {

	static final String W = TestFiles.fixture("clip-vit-tiny").resolve("clip.pt").toString();

	static ImagePlus chelsea() {
		ImagePlus imp = IJ.openImage(Path.of("examples", "chelsea.png").toString());
		imp.getCalibration().pixelWidth = 0.5;
		imp.getCalibration().pixelHeight = 0.5;
		imp.getCalibration().setUnit("mm");
		return imp;
	}

	@Test
	void sciJavaCommandRunsThroughTheCommandService() throws Exception {
		ImagePlus imp = chelsea();
		int[] before = ((int[]) imp.getProcessor().getPixels()).clone();
		try (Context ctx = new Context(CommandService.class)) {
			CommandModule m = ctx.service(CommandService.class).run(SegmentByNameCommand.class, true, "input", imp,
				"classes", "cat, grass, sky", "weights", W, "template", "a photo of a {}.", "add_rois", false).get();
			ImagePlus seg = (ImagePlus) m.getOutput("segmentation");
			ImagePlus prob = (ImagePlus) m.getOutput("probability_maps");
			assertNotNull(seg);
			assertNotNull(prob);
			assertEquals(imp.getWidth(), seg.getWidth());
			assertEquals(ImagePlus.GRAY8, seg.getType());
			assertEquals(0.5, seg.getCalibration().pixelWidth);
			assertEquals("mm", prob.getCalibration().getUnit());
			assertEquals("grass", seg.getProp("class.1"));
			assertEquals(3, prob.getNChannels());
			assertEquals("sky", prob.getStack().getSliceLabel(3));
			assertTrue(seg.getTitle().startsWith("chelsea"));
			CommandModule hot = ctx.service(CommandService.class).run(SegmentByNameCommand.class, true, "input", imp,
				"classes", "cat, grass, sky", "weights", W, "template", "a photo of a {}.", "add_rois", false,
				"temperature", 50.0).get();
			String info = (String) ((ImagePlus) hot.getOutput("segmentation")).getProperty("Info");
			assertTrue(info.contains("softmax scale 50.00 (temperature asked for)"), info);
			assertArrayEquals((byte[]) seg.getProcessor().getPixels(), (byte[]) ((ImagePlus) hot.getOutput(
				"segmentation")).getProcessor().getPixels(), "a temperature never changes labels");
		}
		assertArrayEquals(before, (int[]) imp.getProcessor().getPixels(), "the input image is never modified");
	}

	@Test
	void modelChoicesComeFromTheRegistryAndTheServiceFreesTheModel() throws Exception {
		java.util.List<String> registry = org.mvpseg.models.ModelRegistry.builtIn().entries().stream().map(
			org.mvpseg.models.ModelRegistry.Entry::name).toList();
		try (Context ctx = new Context(CommandService.class, MvpSegService.class)) {
			for (Class<? extends org.scijava.command.Command> c : java.util.List.of(SegmentByNameCommand.class,
				EvaluateSegmentationCommand.class, TrainPromptsCommand.class, ModelsEngineCommand.class, AdaptCommand.class))
			{
				var info = ctx.service(CommandService.class).getCommand(c);
				assertEquals(new java.util.TreeSet<>(registry), new java.util.TreeSet<>(info.getInput("model", String.class)
					.getChoices()), c.getSimpleName());
				assertTrue(c.getField("model").isAnnotationPresent(ModelName.class), "plain ImageJ reads the registry");
			}
			CommandModule m = ctx.service(CommandService.class).run(SegmentByNameCommand.class, true, "input", chelsea(),
				"classes", "cat, grass", "weights", W, "template", "a photo of a {}.", "add_rois", false).get();
			assertNotNull(m.getOutput("segmentation"));
			assertNotNull(org.mvpseg.pipeline.ModelService.shared().current(), "the model stays loaded between runs");
		}
		assertEquals(null, org.mvpseg.pipeline.ModelService.shared().current(), "disposing the context frees it");
	}

	/** Train Prompts, Evaluate and Models & Engine through the CommandService too. */
	@Test
	void everyCommandRunsThroughTheCommandService(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
		Path data = tmp.resolve("data"), prompts = tmp.resolve("p.prompts"), json = tmp.resolve("e.json");
		assertEquals(0, org.mvpseg.cli.MainTestAccess.run("synthetic-data", data.toString(), "--images", "4"));
		try (Context ctx = new Context(CommandService.class)) {
			CommandService cs = ctx.service(CommandService.class);
			CommandModule t = cs.run(TrainPromptsCommand.class, true, "data_folder", data.toString(), "seen",
				"red, green, blue", "prompts_out", prompts.toString(), "weights", W, "iterations", 3, "crop", 64,
				"learning_rate", 0.05).get();
			assertNotNull(((TrainPromptsCommand) t.getDelegateObject()).result);
			assertTrue(java.nio.file.Files.exists(prompts));
			CommandModule e = cs.run(EvaluateSegmentationCommand.class, true, "data_folder", data.toString(), "prompts",
				prompts.toString(), "seen", "red, green, blue", "weights", W, "json_out", json.toString(), "window", 48,
				"stride", 16).get();
			var results = ((EvaluateSegmentationCommand) e.getDelegateObject()).results;
			assertEquals(2, results.size(), "prompts and the zero-shot baseline");
			var j = com.google.gson.JsonParser.parseString(java.nio.file.Files.readString(json)).getAsJsonObject();
			assertTrue(j.has("miou_unseen") && j.getAsJsonObject("zero_shot").has("miou_unseen"), j.toString());
			assertEquals(48, j.getAsJsonObject("parameters").get("window").getAsInt(), "Fiji's Evaluate uses the window");
			assertEquals(16, j.getAsJsonObject("zero_shot").getAsJsonObject("parameters").get("stride").getAsInt());
			java.nio.file.Files.writeString(data.resolve("classes.txt"), "purple\n", java.nio.file.StandardOpenOption
				.APPEND); // a class no label image holds
			CommandModule a = cs.run(EvaluateSegmentationCommand.class, true, "data_folder", data.toString(), "seen",
				"red, green, blue", "unseen", "yellow, purple", "weights", W, "window", 48).get();
			ResultsTable rt = ((EvaluateSegmentationCommand) a.getDelegateObject()).table(3);
			String column = "IoU " + ((EvaluateSegmentationCommand) a.getDelegateObject()).results.get(0).method();
			assertEquals("purple", rt.getStringValue("Class", 4));
			assertEquals("absent", rt.getStringValue(column, 4), "not in the ground truth: absent, not IoU 0");
			assertEquals("unseen", rt.getStringValue("Seen", 6), "the mIoU(unseen) row");
			CommandModule m = cs.run(ModelsEngineCommand.class, true, "action", "Show").get();
			String report = ((ModelsEngineCommand) m.getDelegateObject()).report;
			assertTrue(report.contains("engine chosen: ") && report.contains("device cpu — auto: "), "the device and "
				+ "why: " + report);
			assertTrue(report.contains("engine: PyTorch 2.7.1") && report.contains("model cache:") && report.contains(
				"in memory:"), report);
			// training from the open image and an open label image
			ImagePlus img = IJ.openImage(data.resolve("images/synthetic-0.png").toString());
			ImagePlus lab = IJ.openImage(data.resolve("labels/synthetic-0.png").toString());
			lab.setTitle("labels-0");
			WindowManager.setTempCurrentImage(img);
			ij.macro.Interpreter.batchMode = true;
			try {
				lab.show();
				Path p2 = tmp.resolve("p2.prompts");
				CommandModule t2 = cs.run(TrainPromptsCommand.class, true, "source", "Open image and label image",
					"label_title", "labels-0", "class_names", "red, green, blue, yellow, striped, dotted", "seen",
					"red, green", "prompts_out", p2.toString(), "weights", W, "iterations", 2, "crop", 64).get();
				assertNotNull(((TrainPromptsCommand) t2.getDelegateObject()).result);
			}
			finally {
				ij.macro.Interpreter.batchMode = false;
				WindowManager.setTempCurrentImage(null);
			}
		}
	}

	@Test
	void imageJ1PluginTakesTheSameMacroKeys() {
		ImagePlus imp = chelsea();
		WindowManager.setTempCurrentImage(imp);
		boolean display = !java.awt.GraphicsEnvironment.isHeadless();
		RoiManager rm = display ? RoiManager.getRoiManager() : null;
		if (display) {
			rm.reset();
			rm.addRoi(new ij.gui.Roi(1, 1, 5, 5)); // the user's own ROI must survive
		}
		List<ImagePlus> shown = new ArrayList<>();
		try {
			Thread.currentThread().setName("Run$_segment"); // Macro.getOptions reads per-thread options
			ij.macro.Interpreter.batchMode = true; // as in "ImageJ -batch": shown images are registered, not drawn
			Macro.setOptions("classes=[cat, grass] weights=[" + W + "] template=[a photo of a {}.] show_labels add_rois "
				+ "show_table");
			new MvpSegPlugin().run("segment");
			ImagePlus labels = WindowManager.getImage("chelsea-labels");
			assertNotNull(labels, "the label image is shown (registered in batch mode)");
			assertEquals("cat", labels.getProp("class.0"));
			shown.add(labels);
			if (display) {
				assertTrue(rm.getCount() > 1, "ROIs added to the manager");
				assertEquals(1, rm.getRoi(0).getBounds().x, "user ROI kept");
				boolean named = false;
				for (int i = 1; i < rm.getCount(); i++) named |= rm.getRoi(i).getName().equals("cat (" + imp.getTitle()
					+ ")") && "cat".equals(rm.getRoi(i).getProperty("mvpseg.class"));
				assertTrue(named, "ROIs are named by class and image");
				int count = rm.getCount();
				WindowManager.setTempCurrentImage(imp); // the shown label image became the current one
				Macro.setOptions("classes=[cat, grass] weights=[" + W + "] template=[a photo of a {}.] add_rois");
				new MvpSegPlugin().run("segment");
				assertEquals(2 * count - 1, rm.getCount(), "a second run adds its ROIs");
				Macro.setOptions("classes=[cat, grass] weights=[" + W + "] template=[a photo of a {}.] add_rois "
					+ "replace_rois");
				WindowManager.setTempCurrentImage(imp);
				new MvpSegPlugin().run("segment");
				assertEquals(count, rm.getCount(), "replace_rois: this image's earlier ROIs go, the user's stays");
				assertEquals(1, rm.getRoi(0).getBounds().x, "user ROI kept");
			}
			ResultsTable rt = ResultsTable.getResultsTable("MVP-SEG Results");
			if (display) { // a table window needs a display
				assertEquals(2, rt.size());
				assertEquals(imp.getTitle(), rt.getStringValue("Image", 0));
				assertTrue(rt.columnExists("Area") && rt.columnExists("Mean probability"));
				assertEquals(0.25 * rt.getValue("Pixels", 0), rt.getValue("Area", 0), 1e-9);
			}
			assertNull(WindowManager.getImage("chelsea-probabilities"), "probabilities were not asked for");
		}
		finally {
			Macro.setOptions(null);
			ij.macro.Interpreter.batchMode = false;
			WindowManager.setTempCurrentImage(null);
			if (rm != null) rm.reset();
		}
	}

	@Test
	void cancellingTheTaskStopsTheRunAndChangesNothing() throws Exception {
		ImagePlus imp = chelsea();
		try (Context ctx = new Context(CommandService.class, org.scijava.task.TaskService.class)) {
			org.scijava.task.TaskService ts = ctx.service(org.scijava.task.TaskService.class);
			// cancel every task as soon as it starts: what Fiji's cancel button does. SciJava holds subscribers
			// weakly: keep this one reachable until the run is over, or a garbage collection silently drops it.
			Object canceller = new Object() {
				@org.scijava.event.EventHandler
				public void onTask(org.scijava.task.event.TaskEvent e) {
					if (!e.getTask().isCanceled()) e.getTask().cancel("test");
				}
			};
			ctx.service(org.scijava.event.EventService.class).subscribe(canceller);
			CommandModule m = ctx.service(CommandService.class).run(SegmentByNameCommand.class, true, "input", imp,
				"classes", "cat, grass", "weights", W, "template", "a photo of a {}.", "add_rois", false).get();
			java.lang.ref.Reference.reachabilityFence(canceller);
			assertNull(m.getOutput("segmentation"), "a cancelled run produces nothing");
			assertNotNull(ts);
		}
	}

	@Test
	void badInputEndsInOneLineNotAStackTrace() {
		ImagePlus imp = chelsea();
		try (Context ctx = new Context(CommandService.class)) {
			CommandModule m = ctx.service(CommandService.class).run(SegmentByNameCommand.class, true, "input", imp,
				"classes", "cat", "weights", W).get();
			assertNull(m.getOutput("segmentation"));
		}
		catch (Exception e) {
			throw new AssertionError(e);
		}
		Exception e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> FijiSegmentation
			.run(imp, TestOptions.of("cat, dog", "ViT-B/16", W, "", "maskclip", 0, 0, "", "4", false, true, true,
				false, false), org.mvpseg.runtime.Progress.NONE));
		assertTrue(e.getMessage().contains("Channel 4 does not exist"), e.getMessage());
		assertEquals("MVP-SEG: file not found: /nope.pt", Errors.message(new java.nio.file.NoSuchFileException(
			"/nope.pt")));
	}

	@Test
	void imgLib2ViewsShareImageJsPixelsAndReadTheSame() {
		ij.ImageStack st = new ij.ImageStack(40, 30);
		short[] a = new short[1200], b = new short[1200];
		for (int i = 0; i < 1200; i++) {
			a[i] = (short) (i * 7);
			b[i] = (short) (60000 - i);
		}
		st.addSlice("a", a);
		st.addSlice("b", b);
		ImagePlus imp = new ImagePlus("two", st);
		imp.setDimensions(2, 1, 1);
		ImgLib2Source view = ImgLib2Source.wrap(imp, 1, 1);
		ImagePlusSource direct = new ImagePlusSource(imp, 1, 1);
		assertEquals(org.mvpseg.image.ImageSource.Kind.U16, view.kind());
		float[] x = new float[12 * 5], y = new float[12 * 5];
		for (int c = 0; c < 2; c++) {
			view.read(c, 7, 3, 12, 5, x);
			direct.read(c, 7, 3, 12, 5, y);
			org.junit.jupiter.api.Assertions.assertArrayEquals(y, x);
		}
		a[3 * 40 + 7] = 123; // a view, not a copy
		view.read(0, 7, 3, 1, 1, x);
		assertEquals(123f, x[0]);
	}

	/**
	 * A second Segment by Name on the same image with other names takes its features from memory and gives the
	 * labels of a run without them; closing the image releases them.
	 */
	@Test
	void aSecondRunOnTheSameImageReusesItsFeatures() throws Exception {
		org.mvpseg.pipeline.ModelService models = org.mvpseg.pipeline.ModelService.shared();
		models.features().clear();
		ImagePlus imp = chelsea();
		FijiSegmentation.run(imp, TestOptions.of("cat, grass", "ViT-B/16", W, "", "", 0, 0,
			"a photo of a {}.", "", false, true, false, false, true), org.mvpseg.runtime.Progress.NONE);
		assertEquals(1, models.features().describe().size(), models.features().describe().toString());
		assertTrue(models.features().describe().get(0).startsWith("\"" + imp.getTitle() + "\""), models.features()
			.describe().toString());
		assertTrue(ModelsEngineCommand.imageFeatures().contains(imp.getTitle()), ModelsEngineCommand.imageFeatures());
		long held = models.features().bytes();
		FijiSegmentation.Options other = TestOptions.of("sky, cat, wall", "ViT-B/16", W, "", "", 0, 0, "",
			"", false, true, false, false, true);
		FijiSegmentation.Outputs second = FijiSegmentation.run(imp, other, org.mvpseg.runtime.Progress.NONE);
		assertEquals(held, models.features().bytes(), "nothing computed again");
		models.features().clear();
		FijiSegmentation.Outputs fresh = FijiSegmentation.run(imp, other, org.mvpseg.runtime.Progress.NONE);
		assertArrayEquals((byte[]) fresh.labels().getProcessor().getPixels(), (byte[]) second.labels().getProcessor()
			.getPixels(), "labels from kept features = a fresh run's");
		ImageFeatures.release(imp); // what closing the image's window does (RealImageJTest closes a real one)

		assertEquals(List.of(), models.features().describe());
	}

	/** A palette image is read as its colours; an intensity image with a pseudo-colour LUT (Fire) as its values. */
	@Test
	void paletteImagesAreColoursPseudoColourLutsStayIntensities() {
		ij.process.ByteProcessor bp = new ij.process.ByteProcessor(4, 4);
		bp.set(0, 0, 1);
		byte[] r = new byte[256], g = new byte[256], b = new byte[256];
		r[1] = (byte) 255; // index 1 = red, the rest black: a palette
		bp.setColorModel(new java.awt.image.IndexColorModel(8, 256, r, g, b));
		org.mvpseg.image.ImageSource palette = new org.mvpseg.imagej.ImagePlusSource(new ImagePlus("p", bp), 1, 1);
		assertEquals(3, palette.channels());
		float[] px = new float[1];
		palette.read(0, 0, 0, 1, 1, px);
		assertEquals(255f, px[0], "red channel of the red palette entry");
		ij.process.ByteProcessor fire = new ij.process.ByteProcessor(4, 4);
		fire.set(0, 0, 77);
		fire.setColorModel(ij.plugin.LutLoader.getLut("fire"));
		org.mvpseg.image.ImageSource values = new org.mvpseg.imagej.ImagePlusSource(new ImagePlus("f", fire), 1, 1);
		assertEquals(1, values.channels());
		values.read(0, 0, 0, 1, 1, px);
		assertEquals(77f, px[0], "the intensity, not Fire's colour");
	}

	@Test
	void stacksAreSegmentedPlaneByPlane() throws Exception {
		ImagePlus one = chelsea();
		ij.ImageStack st = new ij.ImageStack(one.getWidth(), one.getHeight());
		st.addSlice(one.getProcessor());
		st.addSlice(one.getProcessor().duplicate().resize(one.getWidth(), one.getHeight()));
		st.addSlice(one.getProcessor());
		ImagePlus stack = new ImagePlus("stack", st);
		stack.setDimensions(1, 3, 1);
		stack.setCalibration(one.getCalibration().copy());
		FijiSegmentation.Outputs out = FijiSegmentation.run(stack, TestOptions.of("cat, grass",
			"ViT-B/16", W, "", "naclip", 0, 0, "a photo of a {}.", "", true, true, true, false, true),
			org.mvpseg.runtime.Progress.NONE);
		assertEquals(3, out.labels().getNSlices());
		assertEquals(2, out.probabilities().getNChannels());
		assertEquals(3, out.probabilities().getNSlices());
		assertEquals(6, out.table().size(), "one row per class and plane");
		assertEquals(0.25 * out.table().getValue("Pixels", 0), out.table().getValue("Area", 0), 1e-9);
		assertTrue(out.table().columnExists("Mean probability") && out.table().columnExists("Z"));
		assertArrayEquals((byte[]) out.labels().getStack().getPixels(1), (byte[]) out.labels().getStack().getPixels(3),
			"identical planes give identical labels");
	}

	@Test
	void aMistypedMacroKeyIsNamedInAWarning() {
		var fields = Ij1Bridge.inputs(SegmentByNameCommand.class);
		assertEquals(List.of("clases", "wiegths"), Ij1Bridge.unknownKeys("clases=[a, b] wiegths=/x.pt window=64 "
			+ "template=[a photo of {}.] show_labels add_rois", fields));
		assertEquals(List.of(), Ij1Bridge.unknownKeys("classes=[cat, grass] key_smoothing=1 pamr", fields));
	}

	/**
	 * Macro keys are the lower-cased field names: they must be lower snake_case, and none may be a
	 * suffix of another after "_" or a digit (ij.Macro.getValue would confuse them).
	 */
	@Test
	void parameterNamesAreSafeMacroKeys() {
		for (Class<?> c : List.of(SegmentByNameCommand.class, TrainPromptsCommand.class,
			EvaluateSegmentationCommand.class, ModelsEngineCommand.class, AdaptCommand.class))
		{
			List<String> names = new ArrayList<>();
			for (Field f : Ij1Bridge.inputs(c)) {
				assertTrue(f.getName().matches("[a-z][a-z0-9_]*"), c.getSimpleName() + "." + f.getName()
					+ " is not lower snake_case");
				names.add(f.getName());
			}
			assertTrue(names.size() >= 2, c + " " + names);
			for (String a : names)
				for (String b : names)
					if (!a.equals(b) && b.endsWith(a)) {
						char before = b.charAt(b.length() - a.length() - 1);
						assertFalse(before == '_' || Character.isDigit(before), c.getSimpleName() + ": " + a
							+ " is a suffix of " + b);
					}
			assertTrue(c.getAnnotation(org.scijava.plugin.Plugin.class).headless(), c + " must run headless");
		}
	}

	/** The shipped segmenting macros forward every key of Segment by Name (the outputs they choose themselves). */
	@Test
	void shippedMacrosForwardEveryKey() throws Exception {
		java.util.Set<String> chosenByTheMacro = java.util.Set.of("input", "show_labels", "show_probabilities",
			"add_rois", "show_table", "replace_rois");
		for (String macro : List.of("batch_segment_folder.ijm", "segment_current_image.ijm")) {
			String text = java.nio.file.Files.readString(Path.of("macros", macro));
			for (Field f : Ij1Bridge.inputs(SegmentByNameCommand.class)) {
				String key = f.getName();
				if (chosenByTheMacro.contains(key) && !(key.equals("replace_rois") && macro.startsWith("segment"))) continue;
				assertTrue(text.contains("\"" + key + "\""), macro + " does not forward " + key);
			}
		}
	}

	/** A recorded option string gives every input back, through ij.Macro.getValue as ImageJ reads it. */
	/** The option table reaches Fiji through its macro keys: each names a field of Segment by Name. */
	@Test
	void everyMacroKeyOfTheOptionTableIsAFieldOfSegmentByName() throws Exception {
		for (SegmentOption o : SegmentOption.values()) if (o.macroKey() != null) assertNotNull(SegmentByNameCommand.class
			.getField(o.macroKey()), o.macroKey());
	}

	@Test
	void recordedOptionsFillEveryInput() {
		SegmentByNameCommand d = new SegmentByNameCommand();
		String recorded = "classes=[nucleus, cell membrane] model=RN50 weights=[/data/my weights.pt] prompts=[] "
			+ "window=320 stride=160 template=[a microscopy image of {}.] channels=2,1,3 planes=[All planes] "
			+ "show_labels show_table";
		assertEquals("nucleus, cell membrane", Macro.getValue(recorded, "classes", null));
		Ij1Bridge.fill(d, recorded);
		FijiSegmentation.Options o = d.options();
		assertEquals("nucleus, cell membrane", o.classes());
		assertEquals("RN50", o.model());
		assertEquals("/data/my weights.pt", o.weights());
		assertEquals("320", o.values().get(SegmentOption.WINDOW));
		assertEquals("160", o.values().get(SegmentOption.STRIDE));
		assertEquals("a microscopy image of {}.", o.values().get(SegmentOption.TEMPLATE));
		assertEquals("2,1,3", o.values().get(SegmentOption.CHANNELS));
		assertTrue(o.allPlanes() && o.labels() && o.table());
		assertFalse(o.probabilities() || o.rois(), "unchecked boxes are absent from a recorded macro");
		SegmentByNameCommand minimal = new SegmentByNameCommand();
		Ij1Bridge.fill(minimal, "classes=[a, b]");
		FijiSegmentation.Options m = minimal.options();
		assertTrue(m.labels() && m.probabilities() && m.rois() && m.table(), "no box given: defaults stay");
		SegmentByNameCommand withPamr = new SegmentByNameCommand();
		Ij1Bridge.fill(withPamr, "classes=[a, b] pamr replace_rois");
		FijiSegmentation.Options p = withPamr.options();
		assertTrue(p.labels() && p.probabilities() && p.rois() && p.table() && "true".equals(p.values().get(
			SegmentOption.PAMR)) && p.replaceRois(),
			"boxes off by default do not turn the outputs off");
		TrainPromptsCommand t = new TrainPromptsCommand();
		Ij1Bridge.fill(t, "data_folder=/d seen=[a, b] prompts_out=/p iterations=50 learning_rate=0.05 resume");
		assertEquals(50, t.iterations);
		assertEquals(0.05, t.learning_rate);
		assertTrue(t.resume);
		assertEquals("/d", t.data_folder);
	}
}
