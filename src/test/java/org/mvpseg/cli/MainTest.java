package org.mvpseg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvpseg.TestFiles;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

class MainTest {

	@TempDir
	Path tmp;

	record Result(int code, String out, String err) {}

	static Result run(String... args) {
		ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
		int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true,
			StandardCharsets.UTF_8));
		return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
	}

	@Test
	void tokenizePrints77IdsPerText() {
		Result r = run("tokenize", "a photo of a cat.", "nucleus");
		assertEquals(0, r.code());
		String[] lines = r.out().strip().split("\n");
		assertEquals(2, lines.length);
		assertEquals(77, lines[0].split(" ").length);
		assertTrue(lines[0].startsWith("49406 320 1125 539 320 2368 269 49407 0"), lines[0]);
		assertTrue(lines[1].startsWith("49406 25693 718 49407 0"), lines[1]);
	}

	@Test
	void verifyReferencePassesOnFixturesAndFailsOnWrongReference() throws Exception {
		Path vit = TestFiles.fixture("clip-vit-tiny"), rn = TestFiles.fixture("clip-rn-tiny");
		Result ok = run("verify-reference", "--weights", vit.resolve("clip.pt").toString(), "--expected", vit.resolve(
			"expected.json").toString());
		assertEquals(0, ok.code(), ok.out() + ok.err());
		assertEquals(6, ok.out().lines().filter(l -> l.contains("max abs error")).count(), ok.out());
		// RN weights against the ViT reference: shapes and values differ, so it must fail.
		Result bad = run("verify-reference", "--weights", rn.resolve("clip.pt").toString(), "--expected", vit.resolve(
			"expected.json").toString());
		assertEquals(1, bad.code(), bad.out());
		assertTrue(bad.out().contains("EXCEEDS"), bad.out());
		// A tolerance of zero cannot be met by float arithmetic.
		Result strict = run("verify-reference", "--weights", vit.resolve("clip.pt").toString(), "--expected", vit
			.resolve("expected.json").toString(), "--tolerance", "0");
		assertEquals(1, strict.code());
	}

	@Test
	void errorsAreOneLineWithExitCodes() throws Exception {
		Result usage = run("verify-reference", "--expected", "x.json");
		assertEquals(2, usage.code());
		assertTrue(usage.err().contains("--weights is required"), usage.err());
		Result unknown = run("segmant");
		assertEquals(2, unknown.code());
		assertTrue(unknown.err().contains("unknown subcommand"), unknown.err());
		Path junk = Files.writeString(tmp.resolve("junk.pt"), "not weights");
		Path vit = TestFiles.fixture("clip-vit-tiny");
		Result badFile = run("verify-reference", "--weights", junk.toString(), "--expected", vit.resolve(
			"expected.json").toString());
		assertEquals(1, badFile.code());
		assertEquals(1, badFile.err().strip().lines().count(), badFile.err());
		assertTrue(badFile.err().contains("junk.pt"), badFile.err());
		Result missing = run("verify-reference", "--weights", tmp.resolve("absent.pt").toString(), "--expected", vit
			.resolve("expected.json").toString());
		assertEquals(1, missing.code());
		assertTrue(missing.err().contains("not found"), missing.err());
	}

	@Test
	void benchRunsOnTinyWeights() {
		Path vit = TestFiles.fixture("clip-vit-tiny");
		Result r = run("bench", "--weights", vit.resolve("clip.safetensors").toString(), "--size", "64,128",
			"--repeat", "2", "--warmup", "0", "--prompts", "3");
		assertEquals(0, r.code(), r.err());
		assertTrue(r.out().contains("image 1x128²") && r.out().contains("dense 1x64²") && r.out().contains(
			"text  3 prompts") && r.out().contains("peak resident memory"), r.out());
	}
}
