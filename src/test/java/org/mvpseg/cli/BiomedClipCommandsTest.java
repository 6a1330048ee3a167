package org.mvpseg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvpseg.TestFiles;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A BiomedCLIP-type model (timm ViT + BERT, open_clip's layout; fixtures/biomedclip-tiny) through the commands:
 * zero-shot {@code segment}, MVP-SEG {@code train} (prompts on the BERT tower) and segmenting with them, and MVP-SEG+
 * {@code transfer} with a fine-tuned last block (timm's) and a student that segments.
 */
class BiomedClipCommandsTest {

	static final String W = TestFiles.fixture("biomedclip-tiny").resolve("open_clip_pytorch_model.bin").toString();

	@TempDir
	Path tmp;

	@Test
	void segmentTrainAndTransferRunEndToEnd() throws Exception {
		Path data = tmp.resolve("data"), prompts = tmp.resolve("p.safetensors"), student = tmp.resolve("s.student");
		assertEquals(0, MainTest.run("synthetic-data", data.toString(), "--images", "4", "--size", "64").code());
		Path img = Files.list(data.resolve("images")).sorted().findFirst().orElseThrow();
		MainTest.Result z = MainTest.run("segment", img.toString(), "--classes", "red, green, blue", "--weights", W,
			"--dense-mode", "sclip", "--out", tmp.resolve("zero").toString());
		assertEquals(0, z.code(), z.out() + z.err());
		assertTrue(summary(tmp.resolve("zero")).getAsJsonObject("parameters").get("classifier").getAsString().contains(
			"zero-shot"), summary(tmp.resolve("zero")).toString());

		MainTest.Result t = MainTest.run("train", "--data", data.toString(), "--seen", "red, green, blue",
			"--prompts-out", prompts.toString(), "--weights", W, "--iterations", "3", "--crop", "32", "--m", "2",
			"--batch", "2", "--log-every", "1");
		assertEquals(0, t.code(), t.out() + t.err());
		assertTrue(t.out().contains("iter 3 loss"), t.out());
		MainTest.Result s = MainTest.run("segment", img.toString(), "--classes", "red, blue", "--prompts", prompts
			.toString(), "--weights", W, "--out", tmp.resolve("mvp").toString());
		assertEquals(0, s.code(), s.out() + s.err());
		assertTrue(summary(tmp.resolve("mvp")).getAsJsonObject("parameters").get("classifier").getAsString().contains(
			"MVP-SEG"));

		MainTest.Result x = MainTest.run("transfer", "--unlabeled", data.resolve("images").toString(), "--zero-shot",
			"--classes", "red, green, blue", "--student-out", student.toString(), "--weights", W, "--iterations", "2",
			"--batch", "2", "--fine-tune-last-block");
		assertEquals(0, x.code(), x.out() + x.err());
		assertTrue(x.out().contains("last block fine-tuned"), x.out());
		MainTest.Result u = MainTest.run("segment", img.toString(), "--classes", "blue, red", "--student", student
			.toString(), "--weights", W, "--out", tmp.resolve("student").toString());
		assertEquals(0, u.code(), u.out() + u.err());
		assertEquals("MVP-SEG+", summary(tmp.resolve("student")).getAsJsonObject("parameters").get("method")
			.getAsString());
	}

	private static JsonObject summary(Path out) throws Exception {
		try (var files = Files.list(out)) {
			Path f = files.filter(p -> p.toString().endsWith(".summary.json")).findFirst().orElseThrow();
			return JsonParser.parseString(Files.readString(f)).getAsJsonObject();
		}
	}
}
