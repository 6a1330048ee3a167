package org.mvpseg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

/** {@code transfer} makes a student that {@code segment} and {@code evaluate} use; bad input writes nothing. */
class TransferCommandTest {

	static final String W = SegmentCommandTest.WEIGHTS;

	@TempDir
	Path tmp;

	@Test
	void transferTrainsAStudentThatSegmentAndEvaluateUse() throws Exception {
		Path data = tmp.resolve("data"), student = tmp.resolve("s.student"), out = tmp.resolve("out");
		assertEquals(0, MainTest.run("synthetic-data", data.toString(), "--images", "3", "--size", "64").code());
		MainTest.Result t = MainTest.run("transfer", "--unlabeled", data.resolve("images").toString(), "--zero-shot",
			"--template", "a photo of {}.", "--classes", "red, green, blue", "--student-out", student.toString(),
			"--weights", W, "--iterations", "4", "--batch", "2", "--log-every", "2");
		assertEquals(0, t.code(), t.out() + t.err());
		assertTrue(t.out().contains("4 iterations (teacher labels throughout)") && t.out().contains("teacher iterations "
			+ "automatic: all; self-training lost the unseen classes"), t.out());
		assertTrue(t.out().contains("iter 4 phase 1 loss"), t.out());
		assertFalse(Files.exists(tmp.resolve("s.student.ckpt")), "the checkpoint goes when training completes");
		Path img = Files.list(data.resolve("images")).sorted().findFirst().orElseThrow();
		MainTest.Result s = MainTest.run("segment", img.toString(), "--classes", "blue, red", "--student", student
			.toString(), "--weights", W, "--out", out.toString());
		assertEquals(0, s.code(), s.out() + s.err());
		Path summary = Files.list(out).filter(p -> p.toString().endsWith(".json")).findFirst().orElseThrow();
		JsonObject p = JsonParser.parseString(Files.readString(summary)).getAsJsonObject().getAsJsonObject("parameters");
		assertEquals("MVP-SEG+", p.get("method").getAsString());
		assertTrue(p.get("student").getAsString().endsWith("s.student"));
		Path json = tmp.resolve("e.json");
		MainTest.Result e = MainTest.run("evaluate", "--data", data.toString(), "--seen", "red, green", "--unseen",
			"blue", "--zero-shot", "--template", "a photo of {}.", "--student", student.toString(), "--weights", W,
			"--json", json.toString());
		assertEquals(0, e.code(), e.out() + e.err());
		JsonObject j = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
		assertTrue(j.has("student") && j.getAsJsonObject("student").has("hiou"), j.keySet().toString());
		// refusals: a class the student does not know, a student beside prompts, no images, another model
		MainTest.Result unknown = MainTest.run("segment", img.toString(), "--classes", "red, purple", "--student",
			student.toString(), "--weights", W, "--out", out.toString());
		assertEquals(2, unknown.code());
		assertTrue(unknown.err().contains("\"purple\" is not one of them"), unknown.err());
		MainTest.Result both = MainTest.run("segment", img.toString(), "--classes", "red, green", "--student", student
			.toString(), "--template", "a {}", "--weights", W);
		assertEquals(2, both.code());
		assertTrue(both.err().contains("A student carries its own classifier"), both.err());
		Path empty = Files.createDirectories(tmp.resolve("empty"));
		MainTest.Result none = MainTest.run("transfer", "--unlabeled", empty.toString(), "--zero-shot", "--classes",
			"red, green", "--student-out", tmp.resolve("n.student").toString(), "--weights", W);
		assertEquals(1, none.code());
		assertTrue(none.err().contains("No images found"), none.err());
		assertFalse(Files.exists(tmp.resolve("n.student")));
		MainTest.Result rn = MainTest.run("segment", img.toString(), "--classes", "red, green", "--student", student
			.toString(), "--weights", org.mvpseg.TestFiles.fixture("clip-rn-tiny").resolve("clip.pt").toString(),
			"--out", out.toString());
		assertTrue(rn.code() != 0 && rn.err().contains("trained on other weights"), rn.err());
	}

	@Test
	void aStudentWithAFineTunedLastBlockSegments() throws Exception {
		Path data = tmp.resolve("data"), student = tmp.resolve("f.student"), out = tmp.resolve("out");
		assertEquals(0, MainTest.run("synthetic-data", data.toString(), "--images", "2", "--size", "64").code());
		MainTest.Result t = MainTest.run("transfer", "--unlabeled", data.resolve("images").toString(), "--zero-shot",
			"--classes", "red, green", "--student-out", student.toString(), "--weights", W, "--iterations", "2",
			"--batch", "2", "--fine-tune-last-block", "--block-lr-factor", "0.5");
		assertEquals(0, t.code(), t.out() + t.err());
		assertTrue(t.out().contains("last block fine-tuned at 0.500 × lr"), t.out());
		Path img = Files.list(data.resolve("images")).sorted().findFirst().orElseThrow();
		MainTest.Result s = MainTest.run("segment", img.toString(), "--classes", "red, green", "--student", student
			.toString(), "--weights", W, "--out", out.toString());
		assertEquals(0, s.code(), s.out() + s.err());
		assertTrue(s.out().contains("fine-tuned last block"), s.out());
		MainTest.Result other = MainTest.run("segment", img.toString(), "--classes", "red, green", "--student", student
			.toString(), "--weights", W, "--dense-mode", "naclip", "--out", out.toString());
		assertEquals(2, other.code(), other.err());
	}
}
