package org.mvpseg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import ij.IJ;
import ij.ImagePlus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Two processes writing the same outputs at once: without --overwrite one of them reports the
 * conflict; with it the last complete set wins. Either way every image's files come from one run.
 */
class CollidingRunsTest {

	@TempDir
	Path tmp;

	private List<Process> startTwo(Path out, boolean overwrite) throws Exception {
		List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
			"-cp", System.getProperty("java.class.path"), "org.mvpseg.cli.Main", "segment", "examples", "--classes",
			"cat, grass, sky", "--weights", SegmentCommandTest.WEIGHTS, "--out", out.toString()));
		if (overwrite) cmd.add("--overwrite");
		List<Process> ps = new ArrayList<>();
		for (int i = 0; i < 2; i++) ps.add(new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve(
			"run" + i + ".log").toFile()).start());
		for (Process p : ps) assertTrue(p.waitFor(600, TimeUnit.SECONDS), "run finished"); // a hang guard: a loaded machine takes minutes
		return ps;
	}

	/** Each image's label image and summary carry the same run id: the set is never mixed. */
	private static void assertSetsFromOneRun(Path out) throws Exception {
		for (String name : SegmentCommandTest.EXAMPLES) {
			ImagePlus labels = IJ.openImage(out.resolve(name + ".labels.tif").toString());
			assertNotNull(labels, name);
			String run = JsonParser.parseString(Files.readString(out.resolve(name + ".summary.json"))).getAsJsonObject()
				.get("run_id").getAsString();
			assertEquals(run, labels.getProp("mvpseg.run"), name + ": labels and summary from one run");
			ImagePlus prob = IJ.openImage(out.resolve(name + ".probabilities.tif").toString());
			assertEquals(run, prob.getProp("mvpseg.run"), name + ": probabilities from the same run");
		}
		try (var files = Files.list(out)) {
			assertTrue(files.noneMatch(f -> f.getFileName().toString().endsWith(".part")), "no temporary file left");
		}
	}

	@Test
	void withoutOverwriteTheSecondRunReportsTheConflict() throws Exception {
		Path out = tmp.resolve("out");
		List<Process> ps = startTwo(out, false);
		int a = ps.get(0).exitValue(), b = ps.get(1).exitValue();
		String logs = Files.readString(tmp.resolve("run0.log")) + Files.readString(tmp.resolve("run1.log"));
		assertTrue(a == 1 || b == 1, "one run must not silently replace the other's results: " + logs);
		assertTrue(logs.contains("exists already"), logs);
		assertSetsFromOneRun(out);
	}

	@Test
	void withOverwriteTheLastCompleteSetWins() throws Exception {
		Path out = tmp.resolve("out");
		List<Process> ps = startTwo(out, true);
		String logs = Files.readString(tmp.resolve("run0.log")) + Files.readString(tmp.resolve("run1.log"));
		assertEquals(0, ps.get(0).exitValue(), logs);
		assertEquals(0, ps.get(1).exitValue(), logs);
		assertSetsFromOneRun(out);
		assertTrue(new File(out.toFile(), ".mvpseg.lock").exists());
	}
}
