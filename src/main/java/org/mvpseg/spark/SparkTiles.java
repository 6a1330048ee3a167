package org.mvpseg.spark;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.util.LongAccumulator;
import org.mvpseg.batch.FileSegmentation;
import org.mvpseg.batch.TiledImage;
import org.mvpseg.image.ClipInput;
import org.mvpseg.image.IntensityStats;
import org.mvpseg.io.SegmentationFiles;
import org.mvpseg.io.TiffSource;
import org.mvpseg.pipeline.Prepared;
import org.mvpseg.segment.Segmenter;
import scala.Tuple2;

import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Huge images on Spark (docs/spark.md › Huge images): each image's cores ({@link TiledImage}) are spread over the
 * executors three times — the finite range of each channel, then its histogram (merged on the driver into the
 * whole image's percentiles), then the segmentation of each core with that scaling — and the driver assembles the
 * staged cores into the image's outputs. No executor reads more of an image than its cores and their windows.
 */
final class SparkTiles {

	private SparkTiles() {}

	/** A part's intensity statistics, or why they could not be measured. */
	record Part(IntensityStats stats, String error) implements Serializable {
		Part merge(Part o) {
			return error != null ? this : o.error != null ? o : new Part(stats.merge(o.stats), null);
		}
	}

	/** The rows of the tiled images: segmented, skipped (complete from an earlier run), or failed with the reason. */
	static List<Row> run(JavaSparkContext jsc, Broadcast<Job> job, List<TiledImage.Plan> plans,
		LongAccumulator tilesDone, java.io.PrintStream out)
	{
		List<Row> rows = new ArrayList<>();
		List<TiledImage.Plan> todo = new ArrayList<>();
		FileSegmentation.Target target = job.value().target();
		Map<String, Object> request = requestParameters(job.value().request());
		for (TiledImage.Plan p : plans) {
			List<Row> done = skipped(p, target, request);
			if (done != null) rows.addAll(done);
			else todo.add(p);
		}
		if (todo.isEmpty()) return rows;
		List<int[]> refs = new ArrayList<>();
		for (int i = 0; i < todo.size(); i++) for (int t = 0; t < todo.get(i).cores().size(); t++) refs.add(new int[] { i,
			t });
		int parts = SegmentJob.partitions(job.value(), refs.size());
		Broadcast<List<TiledImage.Plan>> bp = jsc.broadcast(todo);
		JavaRDD<int[]> tiles = jsc.parallelize(refs, parts);
		Map<Integer, ClipInput.Scaling> scalings = scalings(jsc, tiles, bp, job.value().request().channels(), todo,
			rows);
		Broadcast<Map<Integer, ClipInput.Scaling>> bs = jsc.broadcast(scalings);
		Map<Integer, List<TiledImage.TileResult>> byImage = new HashMap<>();
		for (Tuple2<Integer, TiledImage.TileResult> t : tiles.filter(t -> bs.value().containsKey(t[0])).mapPartitions(
			new SegmentCores(job, bp, bs, tilesDone)).collect())
			byImage.computeIfAbsent(t._1(), k -> new ArrayList<>()).add(t._2());
		for (var e : byImage.entrySet()) {
			long reused = e.getValue().stream().filter(TiledImage.TileResult::reused).count();
			if (reused > 0) out.printf("%s: %d of %d tiles from an earlier attempt%n", todo.get(e.getKey()).image(), reused, e
				.getValue().size());
			rows.addAll(assemble(todo.get(e.getKey()), e.getValue(), target));
		}
		return rows;
	}

	/**
	 * The whole images' scalings from two distributed passes (range, then histograms over it); an image whose
	 * statistics failed gets its failed row instead.
	 */
	private static Map<Integer, ClipInput.Scaling> scalings(JavaSparkContext jsc, JavaRDD<int[]> tiles,
		Broadcast<List<TiledImage.Plan>> bp, int[] channels, List<TiledImage.Plan> plans, List<Row> rows)
	{
		Map<Integer, Part> ranges = new HashMap<>(tiles.mapToPair(t -> measure(bp.value(), t, channels, null))
			.reduceByKey(Part::merge).collectAsMap());
		Broadcast<Map<Integer, Part>> br = jsc.broadcast(ranges);
		Map<Integer, Part> hists = tiles.mapToPair(t -> measure(bp.value(), t, channels, br.value().get(t[0])))
			.reduceByKey(Part::merge).collectAsMap();
		Map<Integer, ClipInput.Scaling> out = new HashMap<>();
		for (var e : hists.entrySet()) {
			TiledImage.Plan p = plans.get(e.getKey());
			try {
				if (e.getValue().error() != null) throw new IllegalArgumentException(e.getValue().error());
				out.put(e.getKey(), e.getValue().stats().scaling(Prepared.LOW_PERCENTILE, Prepared.HIGH_PERCENTILE, p
					.pixels()));
			}
			catch (IllegalArgumentException x) {
				rows.add(Rows.failed(p.image(), x.getMessage()));
			}
		}
		return out;
	}

	/** One core's statistics: the range pass ({@code range} null), or the histogram pass over the merged range. */
	private static Tuple2<Integer, Part> measure(List<TiledImage.Plan> plans, int[] ref, int[] channels, Part range) {
		TiledImage.Plan p = plans.get(ref[0]);
		if (range != null && (range.error() != null || !IntensityStats.needsHistogram(p.kind()))) return new Tuple2<>(
			ref[0], range);
		try (TiffSource s = TiffSource.open(Path.of(p.image()))) {
			if (s == null) throw new java.io.IOException(p.image() + " changed since the job started");
			IntensityStats stats = range == null ? IntensityStats.range(s, ClipInput.channelMap(s, channels), p.cores()
				.get(ref[1])) : range.stats().histograms(s, p.cores().get(ref[1]));
			return new Tuple2<>(ref[0], new Part(stats, null));
		}
		catch (Exception | OutOfMemoryError e) {
			return new Tuple2<>(ref[0], new Part(null, Rows.message(e)));
		}
	}

	/** One task: its cores through one pipeline (prepared once), each staged as {@link TiledImage#segment} does. */
	static final class SegmentCores implements
		org.apache.spark.api.java.function.FlatMapFunction<Iterator<int[]>, Tuple2<Integer, TiledImage.TileResult>>
	{
		private final Broadcast<Job> job;
		private final Broadcast<List<TiledImage.Plan>> plans;
		private final Broadcast<Map<Integer, ClipInput.Scaling>> scalings;
		private final LongAccumulator done;

		SegmentCores(Broadcast<Job> job, Broadcast<List<TiledImage.Plan>> plans,
			Broadcast<Map<Integer, ClipInput.Scaling>> scalings, LongAccumulator done)
		{
			this.job = job;
			this.plans = plans;
			this.scalings = scalings;
			this.done = done;
		}

		@Override
		public Iterator<Tuple2<Integer, TiledImage.TileResult>> call(Iterator<int[]> refs) {
			List<Tuple2<Integer, TiledImage.TileResult>> results = new ArrayList<>();
			if (!refs.hasNext()) return results.iterator();
			FileSegmentation.Target target = job.value().target();
			Prepared p;
			try {
				p = SegmentJob.prepared(job.value());
			}
			catch (Exception | OutOfMemoryError e) { // e.g. weights this executor cannot see: every tile says why
				refs.forEachRemaining(r -> results.add(new Tuple2<>(r[0], TiledImage.TileResult.failed(r[1],
					"set-up failed on this executor: " + Rows.message(e)))));
				return results.iterator();
			}
			while (refs.hasNext()) {
				int[] r = refs.next();
				TiledImage.Plan plan = plans.value().get(r[0]);
				TiledImage.TileResult t;
				try {
					t = TiledImage.segment(p, plan, r[1], scalings.value().get(r[0]), TiledImage.staging(target.dir(), plan),
						target);
				}
				catch (Exception | OutOfMemoryError e) { // one bad tile fails its image, not the job
					t = TiledImage.TileResult.failed(r[1], Rows.message(e));
				}
				results.add(new Tuple2<>(r[0], t));
				done.add(1);
			}
			return results.iterator();
		}
	}

	/** The image's rows after assembling its outputs, or a failed row naming the first tile that failed. */
	private static List<Row> assemble(TiledImage.Plan plan, List<TiledImage.TileResult> tiles,
		FileSegmentation.Target target)
	{
		for (TiledImage.TileResult t : tiles) {
			if (t.error() == null) continue;
			var c = plan.cores().get(t.index());
			return List.of(Rows.failed(plan.image(), "tile " + t.index() + " (x " + c.x() + ", y " + c.y() + ", " + c
				.width() + "x" + c.height() + "): " + t.error() + " (the tiles that were segmented are kept for a re-run)"));
		}
		try {
			TiledImage.Assembled a = TiledImage.assemble(plan, tiles, target);
			Segmenter.Result r = a.result();
			return Rows.classRows(plan.image(), r, a.pixelArea(), a.unit(), Rows.objectCounts(a.objects(), r.classes(),
				target.objects()));
		}
		catch (Exception | OutOfMemoryError e) {
			return List.of(Rows.failed(plan.image(), Rows.message(e)));
		}
	}

	/**
	 * What the driver knows of the result's parameters without loading the model: the classes and, when given as a
	 * file, the weights (as summary.json writes them).
	 */
	static Map<String, Object> requestParameters(org.mvpseg.pipeline.SegmentRequest r) {
		Map<String, Object> m = new java.util.HashMap<>();
		m.put("classes", r.classes());
		if (r.model().weights() != null) m.put("weights", r.model().weights().toString()); // absolute: the job's
		return m;
	}

	/** Rows read back from a complete earlier run, a failed row where another run's files are in the way, or null. */
	private static List<Row> skipped(TiledImage.Plan p, FileSegmentation.Target target, java.util.Map<String, ?> request) {
		if (target.overwrite()) return null;
		Path summary = target.dir().resolve(p.baseName() + ".summary.json");
		try {
			if (target.outputs().contains(SegmentationFiles.Output.SUMMARY) && Files.exists(summary)) {
				Rows.sameObjects(summary, target.objects());
				return Rows.fromSummary(Path.of(p.image()), summary, request);
			}
		}
		catch (Exception e) {
			return List.of(Rows.failed(p.image(), summary + " cannot be read (" + Rows.message(e)
				+ "); pass --overwrite"));
		}
		Path labels = target.dir().resolve(p.baseName() + ".labels.tif");
		return Files.exists(labels) ? List.of(Rows.failed(p.image(), labels + " exists already; nothing was "
			+ "segmented. Choose another output folder, delete the old results, or pass --overwrite.")) : null;
	}

}
