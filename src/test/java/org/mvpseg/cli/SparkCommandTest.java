package org.mvpseg.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvpseg.batch.TiledImage;
import org.mvpseg.spark.Job;

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
		for (String f : List.of("results.parquet", "results.csv")) org.mvpseg.files.AtomicFiles.deleteTree(sparkOut.resolve(f));
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

	/**
	 * Huge images as tiles: a 16-bit and an RGB TIFF split into 100-pixel cores over the executors, scaled with the
	 * whole image's percentiles, give the label pixels and class counts of the command line's run over each whole
	 * image; a small PNG in the same job is segmented whole; a damaged TIFF is one failed row, refused when planned.
	 */
	@Test
	void tiledHugeImagesEqualTheCommandLinesWholeImage() throws Exception {
		Path in = Files.createDirectories(tmp.resolve("in"));
		ImagePlus cell = IJ.openImage(Path.of("examples", "cell.png").toString());
		ij.process.ImageProcessor sixteen = cell.getProcessor().convertToShort(false);
		sixteen.multiply(37);
		sixteen.add(900);
		IJ.saveAsTiff(new ImagePlus("cell16", sixteen), in.resolve("cell16.tif").toString());
		IJ.saveAsTiff(IJ.openImage(Path.of("examples", "chelsea.png").toString()), in.resolve("chelsea.tif").toString());
		Files.copy(Path.of("examples", "coffee.png"), in.resolve("coffee.png"));
		byte[] whole = Files.readAllBytes(in.resolve("chelsea.tif"));
		Files.write(in.resolve("damaged.tif"), java.util.Arrays.copyOf(whole, whole.length / 2));
		Path sparkOut = tmp.resolve("spark"), cliOut = tmp.resolve("cli");
		String[] job = { "spark", "--master", "local[2]", "--input", in.toString(), "--out", sparkOut.toString(),
			"--classes", "cat, grass, sky", "--weights", W, "--tile", "100" };
		// chelsea's tile 3 cannot be staged (a folder is in the way): the image fails, its other tiles stay staged
		TiledImage.Plan plan = TiledImage.plan(in.resolve("chelsea.tif"), 100, SparkCommand.job(job).key());
		Path blocker = Files.createDirectories(TiledImage.staging(sparkOut, plan).resolve("tile-3.labels"));
		Files.writeString(blocker.resolve("in-the-way"), "");
		MainTest.Result r = MainTest.run(job);
		assertEquals(1, r.code(), r.out() + r.err());
		assertTrue(r.out().contains("cell16.tif: 550x660 in 42 tiles of at most 100x100"), r.out());
		List<String> first = csv(sparkOut);
		assertEquals(1 + 2 * 3 + 2, first.size(), first.toString());
		String damaged = first.stream().filter(l -> l.contains("damaged.tif,failed")).findFirst().orElseThrow();
		assertTrue(damaged.contains("is damaged") && damaged.contains("truncated?"), "refused when planned: " + damaged);
		assertTrue(first.stream().anyMatch(l -> l.contains("chelsea.tif,failed") && l.contains("tile 3 (x 300, y 0,")),
			first.toString());
		// a re-run after a lost job (no results table) reuses the tiles staged for the same file and options
		org.mvpseg.files.AtomicFiles.deleteTree(blocker);
		for (String f : List.of("results.parquet", "results.csv")) org.mvpseg.files.AtomicFiles.deleteTree(sparkOut.resolve(f));
		MainTest.Result again = MainTest.run(job);
		assertEquals(1, again.code(), again.out() + again.err());
		assertTrue(again.out().contains("chelsea.tif: 14 of 15 tiles from an earlier attempt"), again.out());
		List<String> csv = csv(sparkOut);
		assertEquals(1 + 3 * 3 + 1, csv.size(), csv.toString());
		assertEquals(3, csv.stream().filter(l -> l.contains("cell16.tif,skipped: complete")).count(), csv.toString());
		MainTest.Result c = MainTest.run("segment", in.resolve("cell16.tif").toString(), in.resolve("chelsea.tif")
			.toString(), in.resolve("coffee.png").toString(), "--classes", "cat, grass, sky", "--weights", W, "--out",
			cliOut.toString(), "--outputs", "labels,summary");
		assertEquals(0, c.code(), c.out() + c.err());
		for (String name : List.of("cell16", "chelsea", "coffee")) {
			ImagePlus a = IJ.openImage(sparkOut.resolve(name + ".labels.tif").toString()), b = IJ.openImage(cliOut.resolve(
				name + ".labels.tif").toString());
			assertArrayEquals((byte[]) b.getProcessor().getPixels(), (byte[]) a.getProcessor().getPixels(), name);
			var sa = summary(sparkOut, name);
			var sb = summary(cliOut, name);
			assertEquals(sb.get("classes"), sa.get("classes"), name);
			assertEquals(sb.get("scaling"), sa.get("scaling"), name + ": the whole image's percentiles");
			assertEquals(sb.get("windows"), sa.get("windows"), name);
			for (String k : List.of("cat", "grass", "sky")) assertEquals(sb.getAsJsonObject("mean_probability").get(k)
				.getAsDouble(), sa.getAsJsonObject("mean_probability").get(k).getAsDouble(), 1e-9, name + " " + k);
			assertTrue(!Files.exists(sparkOut.resolve(name + ".probabilities.tif")), "--tile writes no probabilities");
		}
		assertTrue(summary(sparkOut, "cell16").getAsJsonObject("tiles").get("count").getAsInt() == 42);
		assertTrue(!Files.exists(sparkOut.resolve(".mvpseg-tiles")), "staged tiles removed once assembled (the damaged "
			+ "image was refused before any tile)");
		MainTest.Result probabilities = MainTest.run("spark", "--input", in.toString(), "--out", sparkOut.toString(),
			"--classes", "a, b", "--weights", W, "--tile", "100", "--outputs", "labels,probabilities", "--overwrite");
		assertEquals(2, probabilities.code());
		assertTrue(probabilities.err().contains("leave probabilities out of --outputs"), probabilities.err());
	}

	/**
	 * A re-run over an earlier run's outputs (its results table lost) with other classes does not report them as
	 * complete: the image fails saying what differs, whole or tiled; a damaged summary says so; same-named inputs
	 * are refused before Spark starts.
	 */
	@Test
	void anEarlierRunWithOtherClassesIsNotTakenAsComplete() throws Exception {
		Path in = Files.createDirectories(tmp.resolve("in")), out = tmp.resolve("out");
		Files.copy(Path.of("examples", "coffee.png"), in.resolve("coffee.png"));
		IJ.saveAsTiff(IJ.openImage(Path.of("examples", "chelsea.png").toString()), in.resolve("chelsea.tif").toString());
		String[] job = { "spark", "--master", "local[2]", "--input", in.toString(), "--out", out.toString(), "--weights",
			W, "--tile", "200" };
		MainTest.Result first = MainTest.run(concat(job, "--classes", "cat, grass"));
		assertEquals(0, first.code(), first.out() + first.err());
		for (String f : List.of("results.parquet", "results.csv")) org.mvpseg.files.AtomicFiles.deleteTree(out.resolve(f));
		MainTest.Result other = MainTest.run(concat(job, "--classes", "sky, cup"));
		assertEquals(1, other.code(), other.out() + other.err());
		List<String> rows = csv(out);
		for (String name : List.of("coffee.png", "chelsea.tif")) assertTrue(rows.stream().anyMatch(l -> l.contains(name
			+ ",failed") && l.contains("other classes") && l.contains("--overwrite")), name + ": " + rows);
		for (String f : List.of("results.parquet", "results.csv")) org.mvpseg.files.AtomicFiles.deleteTree(out.resolve(f));
		Files.writeString(out.resolve("coffee.summary.json"), "{\"classes\": [");
		MainTest.Result damaged = MainTest.run(concat(job, "--classes", "cat, grass"));
		assertEquals(1, damaged.code(), damaged.out() + damaged.err());
		assertTrue(csv(out).stream().anyMatch(l -> l.contains("coffee.png,failed") && l.contains("is damaged")), csv(out)
			.toString());
		Path twin = Files.createDirectories(in.resolve("sub"));
		Files.copy(Path.of("examples", "coffee.png"), twin.resolve("coffee.png"));
		MainTest.Result same = MainTest.run("spark", "--input", in + "/**", "--out", tmp.resolve("o2").toString(),
			"--classes", "a, b", "--weights", W);
		assertEquals(2, same.code(), same.out() + same.err());
		assertTrue(same.err().contains("outputs of the same names"), same.err());
	}

	private static String[] concat(String[] a, String... b) {
		String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
		System.arraycopy(b, 0, out, a.length, b.length);
		return out;
	}

	private static com.google.gson.JsonObject summary(Path dir, String name) throws Exception {
		return com.google.gson.JsonParser.parseString(Files.readString(dir.resolve(name + ".summary.json")))
			.getAsJsonObject();
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
		// weights the executors cannot load (here: damaged): every image is a failed row saying why, the job ends
		Path damaged = Files.write(tmp.resolve("damaged.pt"), new byte[] { 'P', 'K', 3, 4, 0, 0 });
		MainTest.Result setUp = MainTest.run("spark", "--master", "local[2]", "--input", list.toString(), "--out", tmp
			.resolve("d").toString(), "--classes", "a, b", "--weights", damaged.toString());
		assertEquals(1, setUp.code(), setUp.out() + setUp.err());
		String row = csv(tmp.resolve("d")).get(1);
		assertTrue(row.contains("cell.png,failed") && row.contains("set-up failed on this executor") && row.contains(
			"damaged.pt"), row);
		MainTest.Result file = MainTest.run("spark", "--input", list.toString(), "--out", list.toString(), "--classes",
			"a, b", "--weights", W);
		assertEquals(2, file.code());
		assertTrue(file.err().contains("is a file: give a folder with --out"), file.err());
		assertEquals(Path.of("examples", "cell.png").toAbsolutePath() + "\n", Files.readString(list), "untouched");
		MainTest.Result typo = MainTest.run("spark", "--input", list.toString(), "--out", tmp.resolve("o").toString(),
			"--clases", "a, b");
		assertEquals(2, typo.code());
		assertTrue(typo.err().contains("unknown option --clases"), typo.err());
		MainTest.Result master = MainTest.run("spark", "--master", "bogus", "--input", list.toString(), "--out", tmp
			.resolve("m").toString(), "--classes", "a, b", "--weights", W);
		assertEquals(2, master.code(), master.out() + master.err());
		assertTrue(master.err().contains("Spark did not start with --master bogus") && !master.err().contains("please "
			+ "report"), master.err());
	}

	/**
	 * Options in the {@code --key=value} form, with relative paths: the job the driver parses holds them absolute (as
	 * the executors need them, in folders of their own), and a job so given runs on a local master. The job is what
	 * reaches the executors: it survives serialisation whole and carries no class of the command line (no {@code
	 * Args}, no argv to parse again).
	 */
	@Test
	void theEqualsFormWithRelativePathsReachesExecutorsAbsolute() throws Exception {
		Path in = Files.createDirectories(tmp.resolve("in"));
		Files.copy(Path.of("examples", "cell.png"), in.resolve("cell.png"));
		Path cwd = Path.of("").toAbsolutePath();
		String weights = cwd.relativize(Path.of(W).toAbsolutePath()).toString(), out = cwd.relativize(tmp.resolve("out"))
			.toString();
		assertTrue(!Path.of(weights).isAbsolute() && !Path.of(out).isAbsolute(), weights + " " + out);
		String[] argv = { "spark", "--master=local[2]", "--input=" + cwd.relativize(in), "--out=" + out,
			"--classes=cat, grass, sky", "--weights=" + weights, "--features=" + cwd.relativize(tmp.resolve("f")) };
		Job job = SparkCommand.job(argv);
		assertEquals(Path.of(W).toAbsolutePath(), job.request().model().weights());
		assertTrue(job.target().dir().isAbsolute() && job.target().features().isAbsolute(), job.target().toString());
		assertEquals(tmp.resolve("out"), job.target().dir().normalize());
		assertEquals(tmp.resolve("f"), job.target().features().normalize());
		assertEquals(in.resolve("cell.png"), Path.of(job.images().get(0)).normalize());
		assertTrue(Path.of(job.images().get(0)).isAbsolute());
		assertEquals("local[2]", job.master());
		byte[] bytes = job.bytes();
		Job back = Job.read(bytes);
		assertEquals(job.key(), back.key());
		assertEquals(job.request().model(), back.request().model());
		assertEquals(job.request().classes(), back.request().classes());
		assertEquals(job.target(), back.target());
		assertEquals(job.images(), back.images());
		String text = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
		assertTrue(!text.contains("org.mvpseg.cli") && !text.contains("--weights"), "the job carries no command line");
		MainTest.Result r = MainTest.run(argv);
		assertEquals(0, r.code(), r.out() + r.err());
		assertTrue(Files.exists(tmp.resolve("out").resolve("cell.labels.tif")), r.out());
		assertEquals(1, csv(tmp.resolve("out")).stream().filter(l -> l.contains("cell.png,done,cat,")).count());
	}

	/** --input as a glob: the images it matches, also across folders with **; a glob matching nothing says so. */
	@Test
	void globsChooseTheImages() throws Exception {
		Path a = Files.createDirectories(tmp.resolve("plate1")), b = Files.createDirectories(tmp.resolve("plate2/sub"));
		for (Path f : List.of(a.resolve("w1.png"), a.resolve("w2.png"), b.resolve("w3.png"))) Files.copy(Path.of(
			"examples", "cell.png"), f);
		Files.writeString(a.resolve("notes.txt"), "not an image");
		assertEquals(List.of(a.resolve("w1.png").toString(), a.resolve("w2.png").toString()), SparkCommand.inputs(tmp
			+ "/plate*/*"));
		assertEquals(List.of(b.resolve("w3.png").toString()), SparkCommand.inputs(tmp + "/plate2/**/*.png"));
		assertEquals(3, SparkCommand.inputs(tmp + "/**.png").size());
		Args.UsageException none = org.junit.jupiter.api.Assertions.assertThrows(Args.UsageException.class,
			() -> SparkCommand.inputs(tmp + "/plate*/*.tif"));
		assertTrue(none.getMessage().contains("matches no images"), none.getMessage());
	}

	static List<String> csv(Path out) throws Exception {
		try (Stream<Path> s = Files.list(out.resolve("results.csv"))) {
			Path part = s.filter(p -> p.getFileName().toString().endsWith(".csv")).findFirst().orElseThrow();
			return Files.readAllLines(part);
		}
	}
}
