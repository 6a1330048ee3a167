package org.mvpseg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

/** train → evaluate → segment --prompts through the command line, on the synthetic dataset. */
class TrainEvaluateCommandTest {

	@TempDir
	Path tmp;

	static final String W = SegmentCommandTest.WEIGHTS;

	@Test
	void trainEvaluateAndSegmentWithLearnedPrompts() throws Exception {
		Path train = tmp.resolve("train"), test = tmp.resolve("test"), prompts = tmp.resolve("p.safetensors");
		assertEquals(0, MainTest.run("synthetic-data", train.toString(), "--images", "8").code());
		assertEquals(0, MainTest.run("synthetic-data", test.toString(), "--images", "4", "--seed", "2").code());
		MainTest.Result t = MainTest.run("train", "--data", train.toString(), "--seen", "red, green, blue, yellow",
			"--prompts-out", prompts.toString(), "--weights", W, "--iterations", "30", "--crop", "64", "--m", "4", "--lr",
			"0.05", "--log-every", "10");
		assertEquals(0, t.code(), t.out() + t.err());
		assertTrue(t.out().contains("iter 30 loss"), t.out());
		assertEquals(31, Files.readAllLines(tmp.resolve("p.safetensors.log.csv")).size(), "header + one line per step");
		MainTest.Result again = MainTest.run("train", "--data", train.toString(), "--seen", "red, green",
			"--prompts-out", prompts.toString(), "--weights", W, "--iterations", "2");
		assertEquals(2, again.code(), "a finished result is refused before anything loads");
		assertTrue(again.err().contains("exists already"), again.err());

		Path json = tmp.resolve("eval.json");
		MainTest.Result e = MainTest.run("evaluate", "--data", test.toString(), "--prompts", prompts.toString(),
			"--zero-shot", "--seen", "red, green, blue, yellow", "--weights", W, "--json", json.toString());
		assertEquals(0, e.code(), e.out() + e.err());
		assertTrue(e.out().contains("MVP-SEG") && e.out().contains("zero-shot") && e.out().contains("hIoU"), e.out());
		JsonObject j = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
		for (String k : new String[] { "miou_seen", "miou_unseen", "hiou" }) {
			double v = j.get(k).getAsDouble();
			assertTrue(v >= 0 && v <= 1, k + " = " + v);
		}
		assertTrue(j.getAsJsonObject("per_class").has("striped"));
		assertTrue(j.getAsJsonObject("zero_shot").has("miou_seen"));
		assertTrue(j.get("miou_seen").getAsDouble() > j.getAsJsonObject("zero_shot").get("miou_seen").getAsDouble());

		MainTest.Result s = MainTest.run("segment", test.resolve("images").toString(), "--classes",
			"red, green, blue, yellow, striped, dotted", "--prompts", prompts.toString(), "--weights", W, "--out", tmp
				.resolve("seg").toString());
		assertEquals(0, s.code(), s.out() + s.err());
		JsonObject sum = JsonParser.parseString(Files.readString(tmp.resolve("seg/synthetic-0.summary.json")))
			.getAsJsonObject();
		double g = sum.getAsJsonObject("gpr_presence").getAsJsonObject("red").get("max").getAsDouble();
		assertTrue(g > 0 && g < 1, "g_c in (0,1): " + g);
		assertTrue(sum.getAsJsonObject("parameters").get("classifier").getAsString().contains("MVP-SEG"));
		assertEquals("MVP-SEG", sum.getAsJsonObject("parameters").get("method").getAsString());
		String info = (String) ij.IJ.openImage(tmp.resolve("seg/synthetic-0.labels.tif").toString()).getProperty("Info");
		assertTrue(info.contains("(MVP-SEG)") && !info.contains("zero-shot"), "a run with prompts is not called "
			+ "zero-shot: " + info);

		// --drop-absent: the run says so, and no pixel goes to a class judged absent (g_c < 1/2; one window, so g_c is
		// the image's), unless every class is
		MainTest.Result d = MainTest.run("segment", test.resolve("images").toString(), "--classes",
			"red, green, blue, yellow, striped, dotted", "--prompts", prompts.toString(), "--weights", W, "--out", tmp
				.resolve("drop").toString(), "--drop-absent", "--window", "128");
		assertEquals(0, d.code(), d.out() + d.err());
		assertTrue(d.out().contains("judged absent"), "the classifier line echoes it: " + d.out());
		JsonObject dropped = JsonParser.parseString(Files.readString(tmp.resolve("drop/synthetic-0.summary.json")))
			.getAsJsonObject().getAsJsonObject("gpr_presence");
		ij.process.ImageProcessor lab = ij.IJ.openImage(tmp.resolve("drop/synthetic-0.labels.tif").toString())
			.getProcessor();
		String[] names = { "red", "green", "blue", "yellow", "striped", "dotted" };
		boolean anyPresent = false;
		for (String n : names) anyPresent |= dropped.getAsJsonObject(n).get("max").getAsDouble() >= 0.5;
		for (int i = 0; i < lab.getPixelCount() && anyPresent; i++) {
			String n = names[lab.get(i)];
			assertTrue(dropped.getAsJsonObject(n).get("max").getAsDouble() >= 0.5, "pixel " + i + " labelled " + n
				+ ", judged absent everywhere");
		}

		// the prompts belong to their backbone
		MainTest.Result other = MainTest.run("segment", test.resolve("images").toString(), "--classes", "red, blue",
			"--prompts", prompts.toString(), "--weights", SegmentCommandTest.WEIGHTS.replace("vit", "rn"), "--out", tmp
				.resolve("seg2").toString());
		assertEquals(1, other.code());
		assertTrue(other.err().contains("other weights"), other.err());
	}

	@Test
	void badDatasetFoldersSayWhatIsMissing() throws Exception {
		Path d = Files.createDirectories(tmp.resolve("d"));
		MainTest.Result r = MainTest.run("train", "--data", d.toString(), "--seen", "a, b", "--prompts-out", tmp.resolve(
			"p").toString(), "--weights", W);
		assertEquals(1, r.code());
		assertTrue(r.err().contains("classes.txt"), r.err());
	}
}
