package org.mvpseg.cli;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;
import org.mvpseg.imagej.ImageFiles;
import org.mvpseg.io.SegmentationFiles;
import org.mvpseg.pipeline.Prepared;
import org.mvpseg.runtime.Progress;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code spark}: {@code segment} over many images on Apache Spark (docs/spark.md). The same options as
 * {@code segment}; each task segments its images through the one pipeline, writing each image's outputs exactly as
 * {@code segment} does, and returns one row per image and class (or one row for an image that failed); the driver
 * writes those rows as Parquet and CSV. Runs as {@code spark-submit --class org.mvpseg.cli.SparkJob}, or from
 * this jar ({@code spark} subcommand: {@link SparkCommand}) with {@code --master local[N]} or a standalone master.
 */
public final class SparkJob {

	static final StructType SCHEMA = new StructType().add("image", DataTypes.StringType).add("status",
		DataTypes.StringType).add("class", DataTypes.StringType, true).add("label", DataTypes.IntegerType, true).add(
			"pixels", DataTypes.LongType, true).add("fraction", DataTypes.DoubleType, true).add("area",
				DataTypes.DoubleType, true).add("unit", DataTypes.StringType, true).add("mean_probability",
					DataTypes.DoubleType, true).add("gpr_presence", DataTypes.DoubleType, true).add("error",
						DataTypes.StringType, true).add("objects", DataTypes.LongType, true);

	private SparkJob() {}

	/** For spark-submit: {@code spark-submit --class org.mvpseg.cli.SparkJob mvp-seg.jar --input … }. */
	public static void main(String[] argv) {
		String[] withName = new String[argv.length + 1];
		withName[0] = "spark";
		System.arraycopy(argv, 0, withName, 1, argv.length);
		System.exit(Main.run(withName, System.out, System.err));
	}

	/** The job; {@code argv[0]} is "spark". Exit code as the command line's. */
	public static int run(String[] argv, PrintStream out) throws Exception {
		argv = absolutePaths(argv);
		Args a = SparkCommand.parse(argv);
		Path outDir = Path.of(a.require("out"));
		List<String> images = inputs(a.require("input"));
		SegmentCommand.requireDistinctNames(images.stream().map(Path::of).toList());
		if (Files.exists(outDir) && !Files.isDirectory(outDir)) throw new Args.UsageException(outDir + " is a file: "
			+ "give a folder with --out (it is created if missing)");
		if (Files.exists(outDir.resolve("results.parquet")) && !a.has("overwrite")) throw new Args.UsageException(
			outDir.resolve("results.parquet") + " exists: pass --overwrite to segment again (complete outputs of an "
				+ "image are then replaced), or choose another --out");
		SegmentCommand.request(a, "classes"); // a mistake in the options stops here, before Spark starts
		target(a); // and in the objects' options
		if (a.has("weights") && !Files.isRegularFile(a.path("weights"))) throw new java.nio.file.NoSuchFileException(a
			.get("weights", "") + " (the weights must be where the driver and every executor can read them)");
		List<TiledImage.Plan> tiled = plans(a, argv, images, out);
		Set<String> tiledNames = new java.util.HashSet<>();
		for (TiledImage.Plan p : tiled) tiledNames.add(p.image());
		List<String> whole = images.stream().filter(i -> !tiledNames.contains(i)).toList();
		SparkSession.Builder b = SparkSession.builder().appName("MVP-SEG segment");
		if (a.has("master")) b.master(a.get("master", null));
		SparkSession spark = session(b, a);
		try {
			JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
			LongAccumulator done = jsc.sc().longAccumulator("images done"), tiles = jsc.sc().longAccumulator("tiles done");
			Thread progress = progress(done, whole.size(), tiles, tiled.stream().mapToInt(p -> p.cores().size()).sum(),
				out);
			List<Row> tiledRows = SparkTiles.run(jsc, argv, tiled, target(a), tiles, out);
			int parts = partitions(a, whole.size());
			JavaRDD<Row> rows = (whole.isEmpty() ? jsc.<String>emptyRDD() : jsc.parallelize(whole, parts)).mapPartitions(
				new Segment(argv, done)).union(jsc.parallelize(tiledRows, 1));
			// kept (spilling to disk) so that writing the table never segments again
			Dataset<Row> table = spark.createDataFrame(rows, SCHEMA).persist(
				org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK());
			long n = table.count();
			progress.interrupt();
			table.write().mode(SaveMode.Overwrite).parquet(outDir.resolve("results.parquet").toString());
			table.coalesce(1).write().mode(SaveMode.Overwrite).option("header", true).csv(outDir.resolve("results.csv")
				.toString());
			long failed = table.filter("status = 'failed'").count();
			out.printf(Locale.ROOT, "%d image(s), %d failed; %d rows in %s (Parquet) and %s (CSV)%n", images.size(),
				failed, n, outDir.resolve("results.parquet"), outDir.resolve("results.csv"));
			return failed == 0 ? 0 : 1;
		}
		finally {
			spark.stop();
		}
	}

	/** The session, or the reason Spark gives for not starting one (e.g. a mistyped --master) as a user's mistake. */
	private static SparkSession session(SparkSession.Builder b, Args a) {
		try {
			return b.getOrCreate();
		}
		catch (Exception e) { // SparkException is checked, but Scala throws it undeclared
			if (!e.getClass().getName().startsWith("org.apache.spark")) throw e instanceof RuntimeException r ? r
				: new IllegalStateException(e);
			throw new Args.UsageException("Spark did not start with --master " + a.get("master", "(default)") + ": " + e
				.getMessage() + ". Give local[N], local[*], spark://HOST:PORT or another master Spark knows.");
		}
	}

	/** Most tasks by default: beyond it, several images or tiles share a task. */
	static final int MAX_TASKS = 10_000;

	/**
	 * {@code --partitions}, or one task per image or tile (at most {@link #MAX_TASKS}): Spark counts a task's work
	 * only when the task ends, so small tasks keep the progress line moving, and each task thread prepares its
	 * pipeline once whatever the number of tasks ({@link TaskPipelines}).
	 */
	static int partitions(Args a, int items) {
		return a.integer("partitions", Math.max(1, Math.min(items, MAX_TASKS)), 1);
	}

	/** Options naming files or folders: made absolute on the driver, since executors run in folders of their own. */
	static final Set<String> PATH_OPTIONS = Set.of("--input", "--out", "--weights", "--models-dir", "--registry",
		"--prompts", "--student", "--features");

	/** {@code argv} with every path option absolute (against the driver's working folder). */
	static String[] absolutePaths(String[] argv) {
		String[] out = argv.clone();
		// java.io.File: a glob's * is no valid path character everywhere
		for (int i = 1; i + 1 < out.length; i++) if (PATH_OPTIONS.contains(out[i])) out[i + 1] = new java.io.File(
			out[i + 1]).getAbsolutePath();
		return out;
	}

	/**
	 * An image's rows: one per class ({@code presence}: GPR's highest g_c, or null without GPR; {@code objects}: the
	 * objects of each class, null for a class not split or without {@code --objects}).
	 */
	static List<Row> classRows(String image, org.mvpseg.segment.Segmenter.Result r, double pixelArea, String unit,
		double[] meanProbability, double[] presence, Long[] objects)
	{
		List<Row> out = new ArrayList<>();
		long total = (long) r.width() * r.height();
		for (int c = 0; c < r.classes().size(); c++) {
			long n = r.pixelCounts()[c];
			out.add(RowFactory.create(image, "done", r.classes().get(c), c, n, n / (double) total, n * pixelArea, unit,
				meanProbability[c], presence == null ? null : presence[c], null, objects == null ? null : objects[c]));
		}
		return out;
	}

	/** Each class's object count for the results table: null for the classes {@code o} does not split. */
	static Long[] objectCounts(org.mvpseg.objects.ObjectTable t, List<String> classes,
		org.mvpseg.objects.ObjectOptions o)
	{
		if (t == null) return null;
		boolean[] split = o.chosen(classes);
		long[] n = t.counts();
		Long[] out = new Long[n.length];
		for (int c = 0; c < n.length; c++) out[c] = split[c] ? n[c] : null;
		return out;
	}

	/** A failed image's one row. */
	static Row failed(String image, String why) {
		return RowFactory.create(image, "failed", null, null, null, null, null, null, null, null, why, null);
	}

	static String message(Throwable e) {
		return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
	}

	/**
	 * A folder's images, the images a glob matches ({@code /data/plate*}{@code /*.tif}; {@code **} crosses folders),
	 * or the lines of a list file (one path per line); paths every executor must see.
	 */
	static List<String> inputs(String input) throws java.io.IOException {
		if (input.chars().anyMatch(ch -> "*?[{".indexOf(ch) >= 0)) return glob(input);
		Path p = Path.of(input);
		if (Files.isRegularFile(p) && !ImageFiles.isImage(p)) {
			List<String> out = new ArrayList<>();
			for (String line : Files.readAllLines(p)) if (!line.isBlank()) out.add(Path.of(line.strip()).toAbsolutePath()
				.toString());
			if (out.isEmpty()) throw new Args.UsageException(input + " lists no images");
			return out;
		}
		return ImageFiles.collect(List.of(input)).stream().map(x -> x.toAbsolutePath().toString()).toList();
	}

	/**
	 * The huge images' plans ({@code --tile}): TIFFs larger than one tile, read by rectangles; the others are
	 * segmented whole. What each image becomes is said before Spark starts.
	 */
	private static List<TiledImage.Plan> plans(Args a, String[] argv, List<String> images, PrintStream out)
		throws java.io.IOException
	{
		if (!a.has("tile")) return List.of();
		int tile = a.integer("tile", 0, 64);
		String options = String.join("\u0000", SparkCommand.segmentationOptions(argv));
		List<TiledImage.Plan> plans = new ArrayList<>();
		for (String img : images) {
			TiledImage.Plan p;
			try {
				p = TiledImage.plan(Path.of(img), tile, options);
			}
			catch (java.io.IOException e) {
				continue; // segmented whole: its failure is reported there, as any image's
			}
			if (p == null) continue;
			plans.add(p);
			out.printf(Locale.ROOT, "%s: %dx%d in %d tiles of at most %dx%d%n", img, p.width(), p.height(), p.cores()
				.size(), tile, tile);
		}
		return plans;
	}

	/** Where and what every image's outputs are written. */
	static SegmentCommand.Target target(Args a) {
		return SegmentCommand.Target.of(a, Path.of(a.require("out")), SegmentationFiles.Output.parse(SparkCommand
			.outputs(a)));
	}

	/** The images whose absolute paths match the glob {@code pattern}, sorted. */
	static List<String> glob(String pattern) throws java.io.IOException {
		String[] parts = pattern.split("/", -1);
		int fixed = 0; // leading folders without wildcards: where to start looking
		while (fixed < parts.length - 1 && parts[fixed].chars().noneMatch(ch -> "*?[{".indexOf(ch) >= 0)) fixed++;
		Path base = Path.of(fixed == 0 ? "/" : String.join("/", java.util.Arrays.copyOf(parts, fixed)) + "/");
		int depth = pattern.contains("**") ? Integer.MAX_VALUE : parts.length - fixed;
		java.nio.file.PathMatcher m = base.getFileSystem().getPathMatcher("glob:" + pattern);
		if (!Files.isDirectory(base)) throw new java.nio.file.NoSuchFileException(base.toString());
		try (var s = Files.walk(base, depth)) {
			List<String> out = s.filter(x -> Files.isRegularFile(x) && m.matches(x) && ImageFiles.isImage(x)).map(
				Path::toString).sorted().toList();
			if (out.isEmpty()) throw new Args.UsageException(pattern + " matches no images (quote it, so that the "
				+ "shell leaves it to MVP-SEG)");
			return out;
		}
	}

	/** Images and tiles done / total, rate and time left, every 10 s in the driver's log. */
	private static Thread progress(LongAccumulator done, int total, LongAccumulator tilesDone, int tiles,
		PrintStream out)
	{
		long t0 = System.nanoTime();
		Thread t = new Thread(() -> {
			try {
				while (true) {
					Thread.sleep(10_000);
					double s = (System.nanoTime() - t0) / 1e9;
					if (tiles > 0) line(out, tilesDone.value(), tiles, "tiles", s);
					if (total > 0) line(out, done.value(), total, "images", s);
				}
			}
			catch (InterruptedException e) {
				// the job is over
			}
		}, "mvp-seg progress");
		t.setDaemon(true);
		t.start();
		return t;
	}

	private static void line(PrintStream out, long done, long total, String what, double seconds) {
		double rate = done / seconds;
		if (done == 0) out.printf(Locale.ROOT, "0/%d %s, the first still running (%.0f s so far)%n", total, what, seconds);
		else out.printf(Locale.ROOT, "%d/%d %s, %.1f per minute, about %.0f s left%n", done, total, what, 60 * rate,
			(total - done) / rate);
	}

	/**
	 * An image's rows from the summary of a complete earlier run, when that run was made with the same {@code now}
	 * parameters (those it names); else the image fails, saying what differs.
	 */
	static List<Row> fromSummary(Path img, Path summary, java.util.Map<String, ?> now) throws java.io.IOException {
		com.google.gson.JsonObject s;
		try {
			s = com.google.gson.JsonParser.parseString(Files.readString(summary)).getAsJsonObject();
			sameParameters(s.getAsJsonObject("parameters"), now, summary);
		}
		catch (com.google.gson.JsonParseException | IllegalStateException | NullPointerException
			| ClassCastException e) {
			throw new java.io.IOException(summary + " (from an earlier run) is damaged: delete it to segment " + img
				.getFileName() + " again, or pass --overwrite");
		}
		String unit = s.getAsJsonObject("pixel_size").get("unit").getAsString();
		com.google.gson.JsonObject mean = s.has("mean_probability") ? s.getAsJsonObject("mean_probability") : null;
		com.google.gson.JsonObject gpr = s.has("gpr_presence") ? s.getAsJsonObject("gpr_presence") : null;
		com.google.gson.JsonObject objects = s.has("objects") ? s.getAsJsonObject("objects").getAsJsonObject("classes")
			: null;
		List<Row> out = new ArrayList<>();
		for (var e : s.getAsJsonArray("classes")) {
			com.google.gson.JsonObject c = e.getAsJsonObject();
			String name = c.get("name").getAsString();
			out.add(RowFactory.create(img.toString(), "skipped: complete", name, c.get("label").getAsInt(), c.get("pixels")
				.getAsLong(), c.get("fraction").getAsDouble(), c.get("area").getAsDouble(), unit, mean == null ? null
					: mean.get(name).getAsDouble(), gpr == null ? null : gpr.getAsJsonObject(name).get("max").getAsDouble(),
				null, objects == null || !objects.has(name) ? null : objects.getAsJsonObject(name).get("objects")
					.getAsLong()));
		}
		return out;
	}

	/**
	 * An earlier run's objects count as this run's only when split the same way ({@code now} null: no objects asked
	 * for, which any earlier run satisfies).
	 */
	static void sameObjects(Path summary, org.mvpseg.objects.ObjectOptions now) throws java.io.IOException {
		if (now == null) return;
		com.google.gson.JsonObject s = com.google.gson.JsonParser.parseString(Files.readString(summary))
			.getAsJsonObject();
		String stored = s.has("objects") && s.getAsJsonObject("objects").has("split") ? s.getAsJsonObject("objects").get(
			"split").getAsString() : "none";
		if (!stored.equals(now.describe())) throw new java.io.IOException(summary.getFileName() + " holds an earlier "
			+ "run's outputs with other objects (" + stored + "; this run: " + now.describe() + "): choose another --out, "
			+ "or pass --overwrite to replace them");
	}

	/** What decides an image's result (not the device, the batch or the notes): compared before a resume skips it. */
	static final List<String> RESULT_PARAMETERS = List.of("method", "classifier", "classes", "weights", "architecture",
		"precision", "prompts", "student", "templates", "prompt_denoising", "key_smoothing", "dense_mode", "window",
		"stride", "short_side", "pamr", "channels");

	/**
	 * An earlier run's outputs count as this run's only when made the same way; otherwise the image fails with what
	 * differs (never "skipped: complete" for another vocabulary or other weights).
	 */
	static void sameParameters(com.google.gson.JsonObject stored, java.util.Map<String, ?> parameters, Path summary)
		throws java.io.IOException
	{
		com.google.gson.JsonObject now = com.google.gson.JsonParser.parseString(new com.google.gson.Gson().toJson(
			parameters)).getAsJsonObject();
		for (String k : RESULT_PARAMETERS) {
			if (!parameters.containsKey(k)) continue; // the driver of a tiled job knows the request, not every value
			var a = stored.get(k);
			var b = now.get(k);
			if (java.util.Objects.equals(a, b)) continue;
			throw new java.io.IOException(summary.getFileName() + " holds an earlier run's outputs made with other "
				+ k.replace('_', ' ') + " (" + (a == null ? "none" : a) + "; this run: " + (b == null ? "none" : b)
				+ "): choose another --out, or pass --overwrite to replace them");
		}
	}

	/** One task: its images through the pipeline, one row per image and class. Serializable: only the argv. */
	static final class Segment implements org.apache.spark.api.java.function.FlatMapFunction<Iterator<String>, Row> {

		private final String[] argv;
		private final LongAccumulator done;

		Segment(String[] argv, LongAccumulator done) {
			this.argv = argv;
			this.done = done;
		}

		@Override
		public Iterator<Row> call(Iterator<String> images) throws Exception {
			SegmentCommand.Target target = target(SparkCommand.parse(argv));
			List<Row> rows = new ArrayList<>();
			if (!images.hasNext()) return rows.iterator();
			Prepared p;
			try {
				p = TaskPipelines.get(argv);
			}
			catch (Exception | OutOfMemoryError e) { // e.g. weights this executor cannot see: every image says why
				String why = "set-up failed on this executor: " + message(e);
				while (images.hasNext()) {
					rows.add(failed(images.next(), why));
					done.add(1);
				}
				return rows.iterator();
			}
			while (images.hasNext()) {
				Path img = Path.of(images.next());
				rows.addAll(rows(img, p, target));
				done.add(1);
			}
			return rows.iterator();
		}

		private static List<Row> rows(Path img, Prepared p, SegmentCommand.Target target) {
			List<Row> out = new ArrayList<>();
			try {
				Path summary = target.dir().resolve(ImageFiles.baseName(img) + ".summary.json");
				if (!target.overwrite() && target.outputs().contains(SegmentationFiles.Output.SUMMARY) && Files.exists(
					summary)) { // complete earlier: resume
					sameObjects(summary, target.objects());
					return fromSummary(img, summary, p.resolved().toMap());
				}
				SegmentCommand.Outcome o = SegmentCommand.segmentFile(img, p, target, Progress.NONE);
				return classRows(img.toString(), o.result().result(), o.pixelArea(), o.unit(), o.meanProbability(), o
					.result().presence().map(x -> x.max()).orElse(null), objectCounts(o.objects(), p.classNames(), target
						.objects()));
			}
			catch (Exception | OutOfMemoryError e) { // one bad image never fails the job
				out.add(failed(img.toString(), message(e)));
			}
			return out;
		}
	}
}
