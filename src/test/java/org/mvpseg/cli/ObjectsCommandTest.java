package org.mvpseg.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import ij.IJ;
import ij.ImagePlus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvpseg.objects.ReferenceLabelling;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** {@code segment --objects}: the object image and table are exactly the connected components of the label image. */
class ObjectsCommandTest {

	@TempDir
	Path tmp;

	static final String W = SegmentCommandTest.WEIGHTS;

	/** The label image's pixels, as ImageJ opens them. */
	static int[] pixels(Path tif) {
		ImagePlus imp = IJ.openImage(tif.toString());
		assertTrue(imp != null, tif + " opens in ImageJ");
		int[] v = new int[imp.getWidth() * imp.getHeight()];
		for (int i = 0; i < v.length; i++) v[i] = (int) imp.getProcessor().getf(i);
		return v;
	}

	/** The objects CSV, as rows of strings (header first). */
	static List<String[]> csv(Path file) throws Exception {
		return Files.readAllLines(file).stream().map(l -> l.split(",")).toList();
	}

	/** Checks the files of one image against a flood fill of its labels; returns the summary. */
	static JsonObject checkObjects(Path out, String name, boolean eight, boolean[] split) throws Exception {
		ImagePlus labels = IJ.openImage(out.resolve(name + ".labels.tif").toString());
		int w = labels.getWidth(), h = labels.getHeight();
		int[] l = pixels(out.resolve(name + ".labels.tif"));
		int[] expected = ReferenceLabelling.floodFill(l, w, h, split, eight);
		assertArrayEquals(expected, pixels(out.resolve(name + ".objects.tif")), "object ids = the reference's");
		List<String[]> rows = csv(out.resolve(name + ".objects.csv"));
		assertEquals(List.of("object", "class", "label", "pixels", "area", "centroid_x", "centroid_y", "bbox_x", "bbox_y",
			"bbox_width", "bbox_height", "mean_probability"), List.of(rows.get(0)));
		int n = java.util.Arrays.stream(expected).max().orElse(0);
		assertEquals(n + 1, rows.size(), "one row per object");
		long[] count = new long[n + 1];
		int[] cls = new int[n + 1];
		for (int i = 0; i < expected.length; i++) {
			count[expected[i]]++;
			cls[expected[i]] = l[i];
		}
		for (int o = 1; o <= n; o++) {
			String[] r = rows.get(o);
			assertEquals(o, Integer.parseInt(r[0]));
			assertEquals(cls[o], Integer.parseInt(r[2]), "class of object " + o);
			assertEquals(count[o], Long.parseLong(r[3]), "pixels of object " + o);
			double p = Double.parseDouble(r[11]);
			assertTrue(p > 0 && p <= 1, "mean probability " + p);
		}
		return JsonParser.parseString(Files.readString(out.resolve(name + ".summary.json"))).getAsJsonObject();
	}

	@Test
	void objectsAreTheEightConnectedComponentsOfTheLabelsPerClass() throws Exception {
		Path out = tmp.resolve("out");
		MainTest.Result r = MainTest.run("segment", "examples/coffee.png", "examples/cell.png", "--classes",
			"cat, grass, sky", "--weights", W, "--objects", "all", "--out", out.toString());
		assertEquals(0, r.code(), r.out() + r.err());
		assertTrue(r.out().contains("objects: all classes (8-connected)") && r.out().contains("  objects: cat "), r.out());
		for (String name : List.of("coffee", "cell")) {
			JsonObject s = checkObjects(out, name, true, new boolean[] { true, true, true });
			JsonObject o = s.getAsJsonObject("objects");
			assertEquals(8, o.get("connectivity").getAsInt());
			long total = 0;
			for (String c : List.of("cat", "grass", "sky")) total += o.getAsJsonObject("classes").getAsJsonObject(c).get(
				"objects").getAsLong();
			assertEquals(o.get("total").getAsLong(), total);
			assertEquals(name + ".objects.csv", s.getAsJsonObject("outputs").get("objects_table").getAsString());
		}
	}

	@Test
	void fourConnectivityOneClassMinimumSizeAndCalibration() throws Exception {
		Path tif = SegmentCommandTest.calibratedCell(tmp, 0.5, 0.25);
		Path out = tmp.resolve("o4");
		MainTest.Result r = MainTest.run("segment", tif.toString(), "--classes", "cat, grass, sky", "--weights", W,
			"--objects", "grass", "--connectivity", "4", "--out", out.toString());
		assertEquals(0, r.code(), r.out() + r.err());
		checkObjects(out, "cell", false, new boolean[] { false, true, false });
		for (String[] row : csv(out.resolve("cell.objects.csv")).subList(1, csv(out.resolve("cell.objects.csv")).size())) {
			assertEquals("grass", row[1]);
			assertEquals(Long.parseLong(row[3]) * 0.5 * 0.25, Double.parseDouble(row[4]), 1e-9, "calibrated area");
			double cx = Double.parseDouble(row[5]) / 0.5, x0 = Double.parseDouble(row[7]);
			assertTrue(cx >= x0 && cx <= x0 + Double.parseDouble(row[9]), "centroid x in pixels inside the box");
		}
		Path big = tmp.resolve("min");
		MainTest.Result m = MainTest.run("segment", tif.toString(), "--classes", "cat, grass, sky", "--weights", W,
			"--objects", "grass", "--connectivity", "4", "--min-size", "1000000000", "--out", big.toString());
		assertEquals(0, m.code(), m.out() + m.err());
		JsonObject g = JsonParser.parseString(Files.readString(big.resolve("cell.summary.json"))).getAsJsonObject()
			.getAsJsonObject("objects").getAsJsonObject("classes").getAsJsonObject("grass");
		assertEquals(0, g.get("objects").getAsLong());
		assertEquals(csv(out.resolve("cell.objects.csv")).size() - 1, g.get("dropped").getAsLong(), "all dropped, counted");
		assertEquals(1, csv(big.resolve("cell.objects.csv")).size());
	}

	/**
	 * Spark with tiles of 100 pixels (objects crossing tile borders) gives the object image and table of the command
	 * line's untiled run, and its results table carries each split class's object count; a PNG in the same job is
	 * segmented whole.
	 */
	@Test
	void tiledObjectsOnSparkEqualTheUntiledRunAndRowsCarryCounts() throws Exception {
		Path in = Files.createDirectories(tmp.resolve("in"));
		IJ.saveAsTiff(IJ.openImage(Path.of("examples", "chelsea.png").toString()), in.resolve("chelsea.tif").toString());
		Files.copy(Path.of("examples", "coffee.png"), in.resolve("coffee.png"));
		Path sparkOut = tmp.resolve("spark"), cliOut = tmp.resolve("cli");
		MainTest.Result r = MainTest.run("spark", "--master", "local[2]", "--input", in.toString(), "--out", sparkOut
			.toString(), "--classes", "cat, grass, sky", "--weights", W, "--tile", "100", "--objects", "cat, sky");
		assertEquals(0, r.code(), r.out() + r.err());
		MainTest.Result c = MainTest.run("segment", in.resolve("chelsea.tif").toString(), in.resolve("coffee.png")
			.toString(), "--classes", "cat, grass, sky", "--weights", W, "--out", cliOut.toString(), "--objects",
			"cat, sky", "--outputs", "labels,summary");
		assertEquals(0, c.code(), c.out() + c.err());
		for (String name : List.of("chelsea", "coffee")) {
			assertArrayEquals(pixels(cliOut.resolve(name + ".objects.tif")), pixels(sparkOut.resolve(name
				+ ".objects.tif")), name);
			List<String[]> a = csv(cliOut.resolve(name + ".objects.csv")), b = csv(sparkOut.resolve(name + ".objects.csv"));
			assertEquals(a.size(), b.size());
			for (int i = 0; i < a.size(); i++) {
				assertEquals(List.of(a.get(i)).subList(0, 11), List.of(b.get(i)).subList(0, 11), name + " row " + i);
				if (i > 0) assertEquals(Double.parseDouble(a.get(i)[11]), Double.parseDouble(b.get(i)[11]), 1e-6);
			}
			checkObjects(sparkOut, name, true, new boolean[] { true, false, true });
		}
		assertTrue(csv(cliOut.resolve("chelsea.objects.csv")).size() > 2, "objects cross the 100-pixel tiles' borders");
		List<String> table = SparkCommandTest.csv(sparkOut);
		assertTrue(table.get(0).endsWith(",objects"), table.get(0));
		JsonObject s = JsonParser.parseString(Files.readString(cliOut.resolve("chelsea.summary.json"))).getAsJsonObject();
		long cats = s.getAsJsonObject("objects").getAsJsonObject("classes").getAsJsonObject("cat").get("objects")
			.getAsLong();
		assertTrue(table.stream().anyMatch(l -> l.contains("chelsea.tif,done,cat,") && l.endsWith("," + cats)), table
			.toString());
		assertTrue(table.stream().anyMatch(l -> l.contains("chelsea.tif,done,grass,") && l.endsWith(",")), "not split: "
			+ "no count");
	}
}
