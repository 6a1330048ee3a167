package org.mvpseg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvpseg.TestFiles;
import org.mvpseg.mvp.PromptSet;

import java.nio.file.Files;
import java.nio.file.Path;

/** Messages a user met and found unclear, now saying what happened and what to do. */
class MessagesTest {

	@TempDir
	Path tmp;

	@Test
	void aTruncatedPromptSetSaysToTrainNotToDownload() throws Exception {
		Path p = tmp.resolve("p.prompts");
		PromptSet.initial(3, 4, 64, 0, false).save(p);
		byte[] all = Files.readAllBytes(p);
		Files.write(p, java.util.Arrays.copyOf(all, all.length - 100));
		MainTest.Result r = MainTest.run("segment", "examples/chelsea.png", "--classes", "a, b", "--weights",
			SegmentCommandTest.WEIGHTS, "--prompts", p.toString(), "--out", tmp.resolve("o").toString());
		assertEquals(1, r.code());
		assertTrue(r.err().contains("damaged prompt set") && r.err().contains("train again"), r.err());
		assertFalse(r.err().toLowerCase().contains("download"), r.err());
	}

	@Test
	void classNamesLongerThanClipReadsAreReported() {
		String longName = "cell " + "with a very long and detailed description ".repeat(12);
		MainTest.Result r = MainTest.run("segment", "examples/chelsea.png", "--classes", "background, " + longName,
			"--weights", SegmentCommandTest.WEIGHTS, "--template", "a photo of a {}.", "--out", tmp.resolve("o")
				.toString());
		assertEquals(0, r.code(), r.err());
		assertTrue(r.out().contains("tokens; CLIP reads the first 77, the rest is cut"), r.out());
	}

	@Test
	void aLabelImageOfTheWrongSizeIsNamed() throws Exception {
		Path data = tmp.resolve("data");
		Files.createDirectories(data.resolve("images"));
		Files.createDirectories(data.resolve("labels"));
		Files.writeString(data.resolve("classes.txt"), "a\nb\n");
		new ij.io.FileSaver(new ij.ImagePlus("i", new ij.process.ByteProcessor(20, 10))).saveAsPng(data.resolve(
			"images/x.png").toString());
		new ij.io.FileSaver(new ij.ImagePlus("l", new ij.process.ByteProcessor(10, 10))).saveAsPng(data.resolve(
			"labels/x.png").toString());
		MainTest.Result r = MainTest.run("evaluate", "--data", data.toString(), "--zero-shot", "--seen", "a, b",
			"--weights", SegmentCommandTest.WEIGHTS);
		assertEquals(1, r.code());
		assertTrue(r.err().contains("The label image " + data.resolve("labels/x.png")) && r.err().contains("10x10")
			&& r.err().contains("20x10"), r.err());
		MainTest.Result none = MainTest.run("evaluate", "--data", tmp.toString(), "--zero-shot", "--seen", "a, b",
			"--weights", SegmentCommandTest.WEIGHTS);
		assertTrue(none.err().contains("is not a dataset folder: it has no images/, labels/, classes.txt"), none.err());
	}

	@Test
	void verifyReferenceNamesShapesThatDoNotMatch() throws Exception {
		Path fixture = TestFiles.fixture("clip-vit-tiny");
		JsonObject ref = JsonParser.parseString(Files.readString(fixture.resolve("expected.json"))).getAsJsonObject();
		JsonObject text = ref.getAsJsonObject("text_features");
		JsonArray shape = text.getAsJsonArray("shape");
		long n = shape.get(0).getAsLong() * shape.get(1).getAsLong();
		JsonArray flat = new JsonArray();
		flat.add(1);
		flat.add(n);
		text.add("shape", flat);
		Path bad = Files.writeString(tmp.resolve("expected.json"), ref.toString());
		MainTest.Result r = MainTest.run("verify-reference", "--weights", fixture.resolve("clip.pt").toString(),
			"--expected", bad.toString());
		assertEquals(1, r.code());
		assertTrue(r.out().contains("text_features") && r.out().contains("in the reference: not comparable"), r.out());
		assertFalse(r.out().contains("Infinity"), r.out());
	}

	/** File-system errors whose own message is only a path say what happened (root in CI reads everything). */
	@org.junit.jupiter.api.Test
	void permissionDeniedSaysWhatAndWhatToDo() {
		String m = org.mvpseg.runtime.Failures.message(new java.nio.file.AccessDeniedException("/data/in/x.tif"));
		org.junit.jupiter.api.Assertions.assertTrue(m.startsWith("permission denied: /data/in/x.tif cannot be read or "
			+ "written by this user") && m.contains("check its permissions"), m);
		org.junit.jupiter.api.Assertions.assertEquals("file not found: /nope", org.mvpseg.runtime.Failures.message(
			new java.nio.file.NoSuchFileException("/nope")));
		org.junit.jupiter.api.Assertions.assertEquals("NullPointerException", org.mvpseg.runtime.Failures.message(
			new NullPointerException()), "one without a message names its kind");
	}
}
