package org.mvpseg.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.ImagePlus;
import ij.Macro;
import ij.WindowManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvpseg.cli.MainTestAccess;
import org.scijava.Context;
import org.scijava.command.CommandModule;
import org.scijava.command.CommandService;

import java.nio.file.Path;
import java.util.Map;

/**
 * The training-free options (dense mode value, key smoothing, PAMR, temperature, the paper's protocol)
 * reach the pipeline from Fiji's Evaluate, from Segment by Name and from a macro, and say so in provenance.
 */
class RefinementsInFijiTest {

	private static final String W = FijiCommandsTest.W;

	@Test
	void evaluateTakesEveryRefinement(@TempDir Path tmp) throws Exception {
		Path data = tmp.resolve("data");
		assertEquals(0, MainTestAccess.run("synthetic-data", data.toString(), "--images", "2", "--size", "96"));
		try (Context ctx = new Context(CommandService.class)) {
			CommandService cs = ctx.service(CommandService.class);
			CommandModule e = cs.run(EvaluateSegmentationCommand.class, true, "data_folder", data.toString(), "seen",
				"red, green, blue", "weights", W, "dense_mode", "value", "key_smoothing", 1.0, "pamr", true, "temperature",
				40.0, "protocol", "paper").get();
			var results = ((EvaluateSegmentationCommand) e.getDelegateObject()).results;
			assertEquals(1, results.size());
			Map<String, Object> p = results.get(0).resolved().toMap();
			assertEquals("value", p.get("dense_mode"));
			assertEquals(1.0, p.get("key_smoothing"));
			assertTrue(p.get("pamr").toString().startsWith("PAMR 10 iterations"), p.toString());
			assertEquals("whole image", p.get("window"));
			assertEquals(512, p.get("short_side"));
			assertTrue(p.get("classifier").toString().contains("softmax scale 40.00"), p.toString());
			// zero-shot options without the zero-shot run would be ignored: refused instead
			java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();
			java.io.PrintStream stdout = System.out;
			System.setOut(new java.io.PrintStream(log, true, java.nio.charset.StandardCharsets.UTF_8));
			CommandModule refused;
			try {
				refused = cs.run(EvaluateSegmentationCommand.class, true, "data_folder", data.toString(), "seen",
					"red, green, blue", "weights", W, "prompts", tmp.resolve("any.prompts").toString(), "zero_shot", false,
					"temperature", 40.0)
					.get();
			}
			finally {
				System.setOut(stdout);
			}
			assertTrue(((EvaluateSegmentationCommand) refused.getDelegateObject()).results.isEmpty());
			assertTrue(log.toString(java.nio.charset.StandardCharsets.UTF_8).contains("apply to the zero-shot baseline"),
				log.toString(java.nio.charset.StandardCharsets.UTF_8));
		}
	}

	@Test
	void aMacroReachesEveryRefinement() {
		ImagePlus imp = FijiCommandsTest.chelsea();
		WindowManager.setTempCurrentImage(imp);
		try {
			Thread.currentThread().setName("Run$_segment");
			ij.macro.Interpreter.batchMode = true;
			Macro.setOptions("classes=[cat, grass] weights=[" + W + "] template=[a photo of a {}.] dense_mode=value "
				+ "key_smoothing=1 pamr temperature=40 protocol=paper show_labels");
			new MvpSegPlugin().run("segment");
			ImagePlus labels = WindowManager.getImage("chelsea-labels");
			assertNotNull(labels);
			String info = (String) labels.getProperty("Info");
			for (String s : new String[] { "dense features: value", "key smoothing: 1.0", "refinement: PAMR 10 iterations",
				"softmax scale 40.00", "window: the whole image", "short side resized to 512" })
				assertTrue(info.contains(s), s + " in\n" + info);
			labels.close();
		}
		finally {
			Macro.setOptions(null);
			ij.macro.Interpreter.batchMode = false;
			WindowManager.setTempCurrentImage(null);
		}
	}

	@Test
	void adaptTrainsAStudentThatSegmentByNameAndEvaluateUse(@TempDir Path tmp) throws Exception {
		Path data = tmp.resolve("data"), student = tmp.resolve("s.student");
		assertEquals(0, MainTestAccess.run("synthetic-data", data.toString(), "--images", "2", "--size", "64"));
		try (Context ctx = new Context(CommandService.class)) {
			CommandService cs = ctx.service(CommandService.class);
			CommandModule a = cs.run(AdaptCommand.class, true, "unlabeled_folder", data.resolve("images").toString(),
				"template", "a photo of {}.", "classes", "red, green, blue", "student_out", student.toString(), "weights", W,
				"iterations", 3, "batch", 2).get();
			assertNotNull(((AdaptCommand) a.getDelegateObject()).result);
			CommandModule s = cs.run(SegmentByNameCommand.class, true, "input", FijiCommandsTest.chelsea(), "classes",
				"red, blue", "weights", W, "student", student.toString(), "add_rois", false).get();
			String info = (String) ((ImagePlus) s.getOutput("segmentation")).getProperty("Info");
			assertTrue(info.contains("MVP-SEG+ student") && info.contains("student: "), info);
			CommandModule e = cs.run(EvaluateSegmentationCommand.class, true, "data_folder", data.toString(), "seen",
				"red, green", "unseen", "blue", "weights", W, "student", student.toString(), "zero_shot", false).get();
			var results = ((EvaluateSegmentationCommand) e.getDelegateObject()).results;
			assertEquals(1, results.size());
			assertEquals("MVP-SEG+", results.get(0).method());
		}
	}
}
