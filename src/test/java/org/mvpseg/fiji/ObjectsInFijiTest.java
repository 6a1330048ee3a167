package org.mvpseg.fiji;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.ImagePlus;
import ij.Macro;
import ij.WindowManager;
import ij.measure.ResultsTable;
import ij.plugin.frame.RoiManager;
import org.junit.jupiter.api.Test;
import org.mvpseg.objects.ReferenceLabelling;
import org.scijava.Context;
import org.scijava.command.CommandModule;
import org.scijava.command.CommandService;

/** Segment by Name's objects: the object image, table and ROIs are the connected components of the label image. */
class ObjectsInFijiTest {

	static int[] values(ImagePlus imp) {
		int[] v = new int[imp.getWidth() * imp.getHeight()];
		for (int i = 0; i < v.length; i++) v[i] = (int) imp.getProcessor().getf(i);
		return v;
	}

	@Test
	void objectImageAndTableAreTheComponentsOfTheLabels() throws Exception {
		ImagePlus imp = FijiCommandsTest.chelsea();
		try (Context ctx = new Context(CommandService.class)) {
			CommandModule m = ctx.service(CommandService.class).run(SegmentByNameCommand.class, true, "input", imp,
				"classes", "cat, grass, sky", "weights", FijiCommandsTest.W, "add_rois", false, "show_probabilities", false,
				"objects", "cat, sky", "connectivity", "4").get();
			ImagePlus labels = (ImagePlus) m.getOutput("segmentation"), objects = (ImagePlus) m.getOutput("object_labels");
			assertNotNull(objects, "the object label image is an output");
			assertEquals(ImagePlus.GRAY16, objects.getType());
			assertEquals("mm", objects.getCalibration().getUnit());
			int[] expected = ReferenceLabelling.floodFill(values(labels), imp.getWidth(), imp.getHeight(), new boolean[] {
				true, false, true }, false);
			assertArrayEquals(expected, values(objects), "ids = a 4-connected flood fill of cat and sky");
			// the table (shown only where a display is), from the same options as the command's fields
			FijiSegmentation.Options o = new FijiSegmentation.Options("cat, grass, sky", "", FijiCommandsTest.W, java.util
				.Map.of(), false, true, false, false, false, false, "auto", org.mvpseg.objects.ObjectOptions.parse("cat, sky",
					"4", "0"));
			FijiSegmentation.Outputs out = FijiSegmentation.run(imp, o, org.mvpseg.runtime.Progress.NONE);
			assertArrayEquals(expected, values(out.objects()));
			ResultsTable rt = out.objectTable();
			int n = java.util.Arrays.stream(expected).max().orElse(0);
			assertTrue(n > 1, "several objects: " + n);
			assertEquals(n, rt.size(), "one row per object");
			for (int r = 0; r < n; r++) {
				final int id = r + 1;
				long pixels = java.util.Arrays.stream(expected).filter(v -> v == id).count();
				assertEquals(pixels, (long) rt.getValue("Pixels", r));
				assertEquals(0.25 * pixels, rt.getValue("Area", r), 1e-9, "calibrated area (0.5 mm pixels)");
				assertTrue(java.util.List.of("cat", "sky").contains(rt.getStringValue("Class", r)));
			}
		}
	}

	@Test
	void macroKeysGiveOneNamedGroupedRoiPerObject() {
		org.junit.jupiter.api.Assumptions.assumeFalse(java.awt.GraphicsEnvironment.isHeadless(), "ROIs need a display");
		ImagePlus imp = FijiCommandsTest.chelsea();
		WindowManager.setTempCurrentImage(imp);
		RoiManager rm = RoiManager.getRoiManager();
		rm.reset();
		try {
			Thread.currentThread().setName("Run$_segment");
			ij.macro.Interpreter.batchMode = true;
			Macro.setOptions("classes=[cat, grass] weights=[" + FijiCommandsTest.W + "] add_rois objects=[grass] "
				+ "min_size=5");
			new MvpSegPlugin().run("segment");
			ImagePlus objects = WindowManager.getImage("chelsea-objects");
			assertNotNull(objects, "the object image is shown");
			int n = java.util.Arrays.stream(values(objects)).max().orElse(0);
			int perObject = 0;
			for (int i = 0; i < rm.getCount(); i++) {
				ij.gui.Roi r = rm.getRoi(i);
				if (r.getProperty(ObjectOutputs.ROI_OBJECT) == null) continue;
				perObject++;
				assertEquals("grass #" + r.getProperty(ObjectOutputs.ROI_OBJECT) + " (" + imp.getTitle() + ")", r.getName());
				assertEquals(2, r.getGroup(), "group = label + 1");
			}
			assertEquals(n, perObject, "one ROI per object");
			ResultsTable rt = ResultsTable.getResultsTable(FijiSegmentation.OBJECTS_TABLE);
			for (int r = 0; r < rt.size(); r++) assertTrue(rt.getValue("Pixels", r) >= 5, "min_size drops small ones");
		}
		finally {
			Macro.setOptions(null);
			ij.macro.Interpreter.batchMode = false;
			WindowManager.setTempCurrentImage(null);
			rm.reset();
		}
	}

	@Test
	void theLogLineNamesEveryChosenClassEvenWithoutObjects() throws Exception {
		ImagePlus imp = new ImagePlus("four", new ij.process.ByteProcessor(4, 4));
		ObjectOutputs out = new ObjectOutputs(imp, java.util.List.of("a", "b", "c"), org.mvpseg.objects.ObjectOptions
			.parse("a, b", "4", "2"), false);
		ij.process.ByteProcessor labels = new ij.process.ByteProcessor(4, 4);
		labels.set(3, 3, 2); // a one-pixel c, not chosen; everything else a: one object of 15 pixels
		labels.set(0, 3, 1); // a one-pixel b, below the minimum size
		out.addPlane(1, 1, labels, new float[3][16], false);
		assertEquals("MVP-SEG objects: a 1, b 0 (1 smaller than 2 pixels dropped) — a, b (4-connected, at least 2 "
			+ "pixels)", out.summary());
	}
}
