package org.mvpseg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvpseg.image.ScaledSource;

import java.nio.file.Files;
import java.nio.file.Path;

/** The paper's inference protocol and training recipe as presets, and options that would be ignored, refused. */
class PresetsTest {

	static final String W = SegmentCommandTest.WEIGHTS;

	@TempDir
	Path tmp;

	@Test
	void paperProtocolSegmentsTheResizedImageInOneWindow() throws Exception {
		Path data = tmp.resolve("d"), out = tmp.resolve("out");
		assertEquals(0, MainTest.run("synthetic-data", data.toString(), "--images", "1", "--size", "96").code());
		Path img = Files.list(data.resolve("images")).findFirst().orElseThrow();
		MainTest.Result r = MainTest.run("segment", img.toString(), "--classes", "red, green", "--weights", W,
			"--template", "a photo of {}.", "--protocol", "paper", "--pamr", "--out", out.toString());
		assertEquals(0, r.code(), r.out() + r.err());
		assertTrue(r.out().contains("window: the whole image after resizing its short side to 512 px"), r.out());
		Path summary = Files.list(out).filter(p -> p.toString().endsWith(".json")).findFirst().orElseThrow();
		JsonObject j = JsonParser.parseString(Files.readString(summary)).getAsJsonObject();
		JsonObject p = j.getAsJsonObject("parameters");
		assertEquals("whole image", p.get("window").getAsString());
		assertEquals("image", p.get("gpr_scope").getAsString());
		assertTrue(p.get("pamr").getAsString().startsWith("PAMR"), p.toString());
		assertEquals(1, j.get("windows").getAsInt(), j.toString());
		assertEquals(96, j.get("width").getAsInt(), "labels at the image's own size");
		// the protocol sets the window: a window given as well is refused, not overridden
		MainTest.Result both = MainTest.run("segment", img.toString(), "--classes", "red, green", "--weights", W,
			"--protocol", "paper", "--window", "64", "--out", out.toString());
		assertEquals(2, both.code());
		assertTrue(both.err().contains("leave window, stride, batch and short side out"), both.err());
		assertEquals(2, MainTest.run("segment", img.toString(), "--classes", "red, green", "--weights", W, "--protocol",
			"papr").code());
		// mmseg's keep-ratio resize to (2048, 512): the long side caps the scale
		assertEquals(java.util.List.of(2048, 256), java.util.Arrays.stream(ScaledSource.sizeForShortSide(4000, 500, 512,
			2048)).boxed().toList());
		assertEquals(java.util.List.of(683, 512), java.util.Arrays.stream(ScaledSource.sizeForShortSide(400, 300, 512,
			2048)).boxed().toList());
	}

	@Test
	void paperRecipeSetsThePapersValuesAndOptionsGivenOverrideIt() throws Exception {
		Path data = tmp.resolve("train");
		assertEquals(0, MainTest.run("synthetic-data", data.toString(), "--images", "2", "--size", "64").code());
		MainTest.Result t = MainTest.run("train", "--data", data.toString(), "--seen", "red, green", "--prompts-out", tmp
			.resolve("p.prompts").toString(), "--weights", W, "--recipe", "paper", "--iterations", "1", "--batch", "2",
			"--crop", "64", "--m", "2");
		assertEquals(0, t.code(), t.out() + t.err());
		assertTrue(t.out().contains("training: 1 iterations, batch 2, crop 64, K 3, M 2"), t.out());
		assertTrue(t.out().contains("scale 0.50-2.00 of a resize to short side 512 (long side at most 2048), flip on, "
			+ "photometric on"), t.out());
		MainTest.Result small = MainTest.run("train", "--data", data.toString(), "--seen", "red, green", "--prompts-out",
			tmp.resolve("q.prompts").toString(), "--weights", W, "--iterations", "1", "--crop", "64", "--m", "2");
		assertTrue(small.out().contains("scale 0.75-1.25 of the image's size, flip on, "
			+ "photometric off"), small.out());
		assertEquals(2, MainTest.run("train", "--data", data.toString(), "--seen", "red, green", "--prompts-out", tmp
			.resolve("r.prompts").toString(), "--weights", W, "--recipe", "huge").code());
	}

	@Test
	void evaluationRefusesOptionsNoRunWouldUse() {
		MainTest.Result r = MainTest.run("evaluate", "--data", tmp.toString(), "--prompts", "p.prompts", "--seen", "a, b",
			"--weights", W, "--temperature", "40");
		assertEquals(2, r.code(), r.err());
		assertTrue(r.err().contains("apply to the zero-shot baseline"), r.err());
		MainTest.Result g = MainTest.run("evaluate", "--data", tmp.toString(), "--zero-shot", "--seen", "a, b",
			"--weights", W, "--no-gpr");
		assertEquals(2, g.code(), g.err());
		assertTrue(g.err().contains("needs a prompt set"), g.err());
	}
}
