package org.mvpseg.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The Spark job on a real Spark ({@code local[2]}): per-image outputs equal the command line's, one results row per
 * image and class (Parquet and CSV), a bad image is a row, not a failed job.
 */
class SparkCommandTest {

	static final String W = SegmentCommandTest.WEIGHTS;

	@TempDir
	Path tmp;

	@Test
	void segmentsAFolderOnLocalSparkAsTheCommandLineDoes() throws Exception {
		Path in = Files.createDirectories(tmp.resolve("in"));
		Files.copy(Path.of("examples", "chelsea.png"), in.resolve("chelsea.png"));
		Files.copy(Path.of("examples", "cell.png"), in.resolve("cell.png"));
		Files.writeString(in.resolve("broken.png"), "not an image");
		Path sparkOut = tmp.resolve("spark"), cliOut = tmp.resolve("cli");
		MainTest.Result r = MainTest.run("spark", "--master", "local[2]", "--input", in.toString(), "--out", sparkOut
			.toString(), "--classes", "cat, grass, sky", "--weights", W, "--partitions", "2");
		assertEquals(1, r.code(), "one image failed: " + r.out() + r.err());
		assertTrue(r.out().contains("3 image(s), 1 failed"), r.out() + r.err());
		MainTest.Result c = MainTest.run("segment", in.resolve("chelsea.png").toString(), in.resolve("cell.png")
			.toString(), "--classes", "cat, grass, sky", "--weights", W, "--out", cliOut.toString());
		assertEquals(0, c.code(), c.out() + c.err());
		for (String name : List.of("chelsea", "cell")) {
			ImagePlus a = IJ.openImage(sparkOut.resolve(name + ".labels.tif").toString()), b = IJ.openImage(cliOut.resolve(
				name + ".labels.tif").toString());
			assertArrayEquals((byte[]) b.getProcessor().getPixels(), (byte[]) a.getProcessor().getPixels(), name);
			assertTrue(Files.exists(sparkOut.resolve(name + ".probabilities.tif")));
		}
		List<String> csv = csv(sparkOut);
		assertTrue(csv.get(0).startsWith("image,status,class,label,pixels,fraction,area,unit,mean_probability"), csv
			.get(0));
		assertEquals(1 + 2 * 3 + 1, csv.size(), "header, 3 classes of 2 images, one failed image: " + csv);
		assertTrue(csv.stream().anyMatch(l -> l.contains("broken.png,failed")), csv.toString());
		assertTrue(Files.isDirectory(sparkOut.resolve("results.parquet")));
		MainTest.Result again = MainTest.run("spark", "--master", "local[2]", "--input", in.toString(), "--out", sparkOut
			.toString(), "--classes", "cat, grass, sky", "--weights", W);
		assertEquals(2, again.code(), "results there and no --overwrite: refused, nothing touched");
		assertTrue(again.err().contains("--overwrite"), again.err());
		// a lost job: no results table, one image's outputs missing → a re-run segments only that one
		for (String f : List.of("results.parquet", "results.csv")) deleteTree(sparkOut.resolve(f));
		for (String f : List.of("cell.labels.tif", "cell.probabilities.tif", "cell.summary.json")) Files.delete(sparkOut
			.resolve(f));
		long before = Files.getLastModifiedTime(sparkOut.resolve("chelsea.labels.tif")).toMillis();
		MainTest.Result resumed = MainTest.run("spark", "--master", "local[2]", "--input", in.toString(), "--out",
			sparkOut.toString(), "--classes", "cat, grass, sky", "--weights", W);
		assertEquals(1, resumed.code(), resumed.out() + resumed.err());
		List<String> rows = csv(sparkOut);
		assertEquals(8, rows.size(), rows.toString());
		assertTrue(rows.stream().filter(l -> l.contains("chelsea.png,skipped: complete")).count() == 3, rows.toString());
		assertTrue(rows.stream().filter(l -> l.contains("cell.png,done")).count() == 3, rows.toString());
		assertEquals(before, Files.getLastModifiedTime(sparkOut.resolve("chelsea.labels.tif")).toMillis(), "untouched");
		for (String name : List.of("chelsea", "cell")) {
			String a = rows.stream().filter(l -> l.contains(name + ".png") && l.contains(",cat,")).findFirst().orElseThrow();
			String b = csv.stream().filter(l -> l.contains(name + ".png") && l.contains(",cat,")).findFirst().orElseThrow();
			assertEquals(b.split(",", 3)[2], a.split(",", 3)[2], "the same numbers as the first run");
		}
	}

	/** Mistakes the driver sees stop the job before Spark starts, with a message. */
	@Test
	void badInputIsRefusedBeforeSparkStarts() throws Exception {
		Path list = Files.writeString(tmp.resolve("list.txt"), "\n\n");
		MainTest.Result empty = MainTest.run("spark", "--input", list.toString(), "--out", tmp.resolve("o").toString(),
			"--classes", "a, b", "--weights", W);
		assertEquals(2, empty.code());
		assertTrue(empty.err().contains("lists no images"), empty.err());
		Files.writeString(list, Path.of("examples", "cell.png").toAbsolutePath() + "\n");
		MainTest.Result noWeights = MainTest.run("spark", "--input", list.toString(), "--out", tmp.resolve("o")
			.toString(), "--classes", "a, b", "--weights", "/nonexistent/clip.pt");
		assertEquals(1, noWeights.code());
		assertTrue(noWeights.err().contains("/nonexistent/clip.pt") && noWeights.err().contains("every executor"),
			noWeights.err());
		assertTrue(!Files.exists(tmp.resolve("o")), "nothing written");
		MainTest.Result typo = MainTest.run("spark", "--input", list.toString(), "--out", tmp.resolve("o").toString(),
			"--clases", "a, b");
		assertEquals(2, typo.code());
		assertTrue(typo.err().contains("unknown option --clases"), typo.err());
	}

	static List<String> csv(Path out) throws Exception {
		try (Stream<Path> s = Files.list(out.resolve("results.csv"))) {
			Path part = s.filter(p -> p.getFileName().toString().endsWith(".csv")).findFirst().orElseThrow();
			return Files.readAllLines(part);
		}
	}

	static void deleteTree(Path p) throws Exception {
		try (Stream<Path> s = Files.walk(p)) {
			for (Path q : (Iterable<Path>) s.sorted(java.util.Comparator.reverseOrder())::iterator) Files.delete(q);
		}
	}
}
