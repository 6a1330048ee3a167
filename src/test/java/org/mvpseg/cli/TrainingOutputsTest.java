package org.mvpseg.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What a training run may do to the files already beside its output: a finished prompt set, a checkpoint and the
 * training log are never lost to a forgotten or misplaced --resume, and two runs into one file never both "succeed".
 */
class TrainingOutputsTest {

	@TempDir
	Path tmp;

	Path data, prompts, ckpt, log;

	@BeforeEach
	void dataset() {
		data = tmp.resolve("data");
		prompts = tmp.resolve("p.prompts");
		ckpt = tmp.resolve("p.prompts.ckpt");
		log = tmp.resolve("p.prompts.log.csv");
		assertEquals(0, MainTest.run("synthetic-data", data.toString(), "--images", "2", "--size", "64").code());
	}

	/** A small training into {@code out} with {@code extra} options. */
	static List<String> train(Path data, Path out, int iterations, String... extra) {
		List<String> a = new ArrayList<>(List.of("train", "--data", data.toString(), "--seen", "red, green",
			"--prompts-out", out.toString(), "--weights", SegmentCommandTest.WEIGHTS, "--iterations", Integer.toString(
				iterations), "--crop", "32", "--batch", "1", "--m", "2", "--k", "1", "--checkpoint-every", "2", "--log-every",
			"1"));
		a.addAll(List.of(extra));
		return a;
	}

	private MainTest.Result run(List<String> args) {
		return MainTest.run(args.toArray(String[]::new));
	}

	/** Runs {@code args}, cancelling (as Ctrl-C's interrupt does) once "iter N " has been printed. */
	private MainTest.Result cancelledAfter(int n, List<String> args) {
		ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
		PrintStream watching = new PrintStream(out, true, StandardCharsets.UTF_8) {
			@Override
			public void println(String line) {
				super.println(line);
				if (line.startsWith("iter " + n + " ")) Thread.currentThread().interrupt();
			}
		};
		int code = Main.run(args.toArray(String[]::new), watching, new PrintStream(err, true, StandardCharsets.UTF_8));
		Thread.interrupted(); // the test thread goes on
		return new MainTest.Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
	}

	@Test
	void resumeWithoutACheckpointDoesNotReplaceAFinishedPromptSet() throws Exception {
		MainTest.Result done = run(train(data, prompts, 2));
		assertEquals(0, done.code(), done.out() + done.err());
		byte[] before = Files.readAllBytes(prompts), logBefore = Files.readAllBytes(log);
		MainTest.Result r = run(train(data, prompts, 2, "--resume"));
		assertEquals(2, r.code(), r.out() + r.err());
		assertTrue(r.err().contains("no checkpoint") && r.err().contains("--overwrite"), r.err());
		assertArrayEquals(before, Files.readAllBytes(prompts), "the finished prompt set is kept");
		assertArrayEquals(logBefore, Files.readAllBytes(log), "and its log");
		assertEquals(0, run(train(data, prompts, 2, "--resume", "--overwrite")).code(), "--overwrite retrains it");
	}

	@Test
	void aCheckpointIsNotLostToAForgottenResume() throws Exception {
		MainTest.Result c = cancelledAfter(3, train(data, prompts, 6));
		assertEquals(1, c.code(), c.out() + c.err());
		assertTrue(c.out().contains("continue with --resume"), c.out());
		byte[] checkpoint = Files.readAllBytes(ckpt);
		MainTest.Result r = run(train(data, prompts, 6));
		assertEquals(2, r.code(), r.out() + r.err());
		assertTrue(r.err().contains("An unfinished training") && r.err().contains("--resume") && r.err().contains(
			"--overwrite"), r.err());
		assertArrayEquals(checkpoint, Files.readAllBytes(ckpt), "the checkpoint is untouched");
		assertFalse(r.out().contains("model:"), "refused before the model loads: " + r.out());
	}

	@Test
	void resumingKeepsTheLogRowsUpToTheCheckpointAndAFailedResumeKeepsThemAll() throws Exception {
		assertEquals(1, cancelledAfter(3, train(data, prompts, 6)).code());
		List<String> interrupted = Files.readAllLines(log);
		assertEquals(4, interrupted.size(), "header and iterations 1-3: " + interrupted);
		// a resume the checkpoint refuses (other settings) leaves the log as it was
		MainTest.Result other = run(train(data, prompts, 6, "--resume", "--lr", "0.001"));
		assertEquals(1, other.code(), other.out() + other.err());
		assertEquals(interrupted, Files.readAllLines(log));
		MainTest.Result resumed = run(train(data, prompts, 6, "--resume"));
		assertEquals(0, resumed.code(), resumed.out() + resumed.err());
		List<String> rows = Files.readAllLines(log);
		assertEquals(7, rows.size(), "header and iterations 1-6 once each: " + rows);
		assertEquals(interrupted.subList(0, 3), rows.subList(0, 3), "rows up to the checkpoint (2) are kept");
		for (int i = 1; i <= 6; i++) assertTrue(rows.get(i).startsWith(i + ","), rows.toString());
	}

	@Test
	void twoProcessesTrainingIntoOneFileCannotBothSucceed() throws Exception {
		List<Process> ps = new ArrayList<>();
		for (int i = 0; i < 2; i++) {
			List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
				"-cp", System.getProperty("java.class.path"), "org.mvpseg.cli.Main"));
			cmd.addAll(train(data, prompts, 12));
			ps.add(new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("run" + i + ".log")
				.toFile()).start());
		}
		for (Process p : ps) assertTrue(p.waitFor(120, TimeUnit.SECONDS), "run finished");
		String logs = Files.readString(tmp.resolve("run0.log")) + Files.readString(tmp.resolve("run1.log"));
		int ok = (ps.get(0).exitValue() == 0 ? 1 : 0) + (ps.get(1).exitValue() == 0 ? 1 : 0);
		assertEquals(1, ok, "exactly one run writes the prompt set: " + logs);
		assertTrue(logs.contains("Another training is writing") || logs.contains("exists already"), logs);
		List<String> rows = Files.readAllLines(log);
		assertEquals(13, rows.size(), "the winner's complete log: " + rows);
		assertFalse(Files.exists(ckpt));
	}

	@Test
	void anOutputFolderThatDoesNotExistIsRefusedBeforeTheModelLoads() {
		MainTest.Result r = run(train(data, tmp.resolve("nodir/p.prompts"), 2));
		assertEquals(2, r.code(), r.out() + r.err());
		assertTrue(r.err().contains("does not exist") && r.err().contains("--prompts-out"), r.err());
		assertFalse(r.out().contains("model:"), r.out());
	}
}
