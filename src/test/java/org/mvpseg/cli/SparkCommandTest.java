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
		List<String> csv;
		try (Stream<Path> s = Files.list(sparkOut.resolve("results.csv"))) {
			Path part = s.filter(p -> p.getFileName().toString().endsWith(".csv")).findFirst().orElseThrow();
			csv = Files.readAllLines(part);
		}
		assertTrue(csv.get(0).startsWith("image,status,class,label,pixels,fraction,area,unit,mean_probability"), csv
			.get(0));
		assertEquals(1 + 2 * 3 + 1, csv.size(), "header, 3 classes of 2 images, one failed image: " + csv);
		assertTrue(csv.stream().anyMatch(l -> l.contains("broken.png,failed")), csv.toString());
		assertTrue(Files.isDirectory(sparkOut.resolve("results.parquet")));
		MainTest.Result again = MainTest.run("spark", "--master", "local[2]", "--input", in.toString(), "--out", sparkOut
			.toString(), "--classes", "cat, grass, sky", "--weights", W);
		assertEquals(2, again.code(), "results there and no --overwrite: refused, nothing touched");
		assertTrue(again.err().contains("--overwrite"), again.err());
	}
}
