package org.mvpseg.spark;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.LongAccumulator;
import org.mvpseg.batch.TiledImage;
import org.mvpseg.pipeline.Pipeline;
import org.mvpseg.pipeline.Prepared;
import org.mvpseg.runtime.Progress;
import org.mvpseg.runtime.RequestException;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code segment} over many images on Apache Spark (docs/spark.md): each task segments its images through the one
 * pipeline, writing each image's outputs exactly as {@code segment} does, and returns one row per image and class (or
 * one row for an image that failed); huge TIFFs go through {@link SparkTiles}; the driver writes the rows as Parquet
 * and CSV. It takes a {@link Job}, never the command line: the {@code spark} subcommand builds the job.
 */
public final class SegmentJob {

	private SegmentJob() {}

	/** A job serialised by {@link Job#bytes()}: how the subcommand hands it over into Spark's own class loader. */
	public static int run(byte[] job, PrintStream out) throws Exception {
		return run(Job.read(job), out);
	}

	/** The job; the exit code as the command line's (1 when any image failed). */
	public static int run(Job job, PrintStream out) throws Exception {
		List<TiledImage.Plan> tiled = plans(job, out);
		Set<String> tiledNames = new HashSet<>();
		for (TiledImage.Plan p : tiled) tiledNames.add(p.image());
		List<String> whole = job.images().stream().filter(i -> !tiledNames.contains(i)).toList();
		Path outDir = job.target().dir();
		SparkSession spark = session(job.master());
		try {
			JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
			Broadcast<Job> bj = jsc.broadcast(job);
			LongAccumulator done = jsc.sc().longAccumulator("images done"), tiles = jsc.sc().longAccumulator("tiles done");
			Thread progress = progress(done, whole.size(), tiles, tiled.stream().mapToInt(p -> p.cores().size()).sum(),
				out);
			List<Row> tiledRows = SparkTiles.run(jsc, bj, tiled, tiles, out);
			JavaRDD<Row> rows = (whole.isEmpty() ? jsc.<String>emptyRDD() : jsc.parallelize(whole, partitions(job, whole
				.size()))).mapPartitions(new SegmentImages(bj, done)).union(jsc.parallelize(tiledRows, 1));
			// kept (spilling to disk) so that writing the table never segments again
			Dataset<Row> table = spark.createDataFrame(rows, Rows.SCHEMA).persist(
				org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK());
			long n = table.count();
			progress.interrupt();
			table.write().mode(SaveMode.Overwrite).parquet(outDir.resolve("results.parquet").toString());
			table.coalesce(1).write().mode(SaveMode.Overwrite).option("header", true).csv(outDir.resolve("results.csv")
				.toString());
			long failed = table.filter("status = 'failed'").count();
			out.printf(Locale.ROOT, "%d image(s), %d failed; %d rows in %s (Parquet) and %s (CSV)%n", job.images().size(),
				failed, n, outDir.resolve("results.parquet"), outDir.resolve("results.csv"));
			return failed == 0 ? 0 : 1;
		}
		finally {
			spark.stop();
		}
	}

	/** The session, or the reason Spark gives for not starting one (e.g. a mistyped --master) as a user's mistake. */
	private static SparkSession session(String master) {
		SparkSession.Builder b = SparkSession.builder().appName("MVP-SEG segment");
		if (master != null) b.master(master);
		try {
			return b.getOrCreate();
		}
		catch (Exception e) { // SparkException is checked, but Scala throws it undeclared
			if (!e.getClass().getName().startsWith("org.apache.spark")) throw e instanceof RuntimeException r ? r
				: new IllegalStateException(e);
			throw new RequestException("Spark did not start with --master " + (master == null ? "(default)" : master)
				+ ": " + e.getMessage() + ". Give local[N], local[*], spark://HOST:PORT or another master Spark knows.");
		}
	}

	/** This executor JVM's pipelines for the application it serves, by job key. */
	private static final java.util.Map<String, Prepared> PREPARED = new java.util.HashMap<>();
	private static String application;

	/**
	 * This executor JVM's pipeline for {@code job}, prepared by the first task that asks and kept for the later ones
	 * (Spark reuses its executors), so an executor encodes the class texts once; the model itself is shared by the
	 * whole JVM anyway ({@code ModelService}). One for all task threads: a prepared pipeline keeps nothing of the
	 * images it segments. Kept for one application only: a JVM that runs another (local masters, one after another)
	 * may have loaded other weights meanwhile, closing the model an older pipeline holds. Not to be closed.
	 */
	static synchronized Prepared prepared(Job job) throws IOException {
		String app = org.apache.spark.SparkEnv.get().conf().getAppId();
		if (!app.equals(application)) {
			PREPARED.clear();
			application = app;
		}
		Prepared p = PREPARED.get(job.key());
		if (p == null) { // a failure is not kept: the next task tries again
			p = Pipeline.prepare(job.request(), Progress.NONE);
			PREPARED.put(job.key(), p);
		}
		return p;
	}

	/** Most tasks by default: beyond it, several images or tiles share a task. */
	static final int MAX_TASKS = 10_000;

	/**
	 * The tasks asked for, or one task per image or tile (at most {@link #MAX_TASKS}): Spark counts a task's work
	 * only when the task ends, so small tasks keep the progress line moving, and each executor prepares its pipeline
	 * once whatever the number of tasks ({@link #prepared}).
	 */
	static int partitions(Job job, int items) {
		return job.partitions() > 0 ? job.partitions() : Math.max(1, Math.min(items, MAX_TASKS));
	}

	/**
	 * The huge images' plans (a tile size given): TIFFs larger than one tile, read by rectangles; the others are
	 * segmented whole. What each image becomes is said before Spark starts.
	 */
	private static List<TiledImage.Plan> plans(Job job, PrintStream out) {
		if (job.tile() == 0) return List.of();
		List<TiledImage.Plan> plans = new ArrayList<>();
		for (String img : job.images()) {
			TiledImage.Plan p;
			try {
				p = TiledImage.plan(Path.of(img), job.tile(), job.key());
			}
			catch (IOException e) {
				continue; // segmented whole: its failure is reported there, as any image's
			}
			if (p == null) continue;
			plans.add(p);
			out.printf(Locale.ROOT, "%s: %dx%d in %d tiles of at most %dx%d%n", img, p.width(), p.height(), p.cores()
				.size(), job.tile(), job.tile());
		}
		return plans;
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
}
