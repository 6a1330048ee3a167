package org.mvpseg.spark;

import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.util.LongAccumulator;
import org.mvpseg.batch.FileSegmentation;
import org.mvpseg.imagej.ImageFiles;
import org.mvpseg.io.SegmentationFiles;
import org.mvpseg.pipeline.Prepared;
import org.mvpseg.runtime.Progress;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * One task: its images through the pipeline, each into its set of outputs as {@code segment} writes them, one row per
 * image and class. Serialised with the broadcast job, never the command line.
 */
final class SegmentImages implements FlatMapFunction<Iterator<String>, Row> {

	private final Broadcast<Job> job;
	private final LongAccumulator done;

	SegmentImages(Broadcast<Job> job, LongAccumulator done) {
		this.job = job;
		this.done = done;
	}

	@Override
	public Iterator<Row> call(Iterator<String> images) {
		List<Row> rows = new ArrayList<>();
		if (!images.hasNext()) return rows.iterator();
		Job j = job.value();
		Prepared p;
		try {
			p = SegmentJob.prepared(j);
		}
		catch (Exception | OutOfMemoryError e) { // e.g. weights this executor cannot see: every image says why
			String why = "set-up failed on this executor: " + Rows.message(e);
			while (images.hasNext()) {
				rows.add(Rows.failed(images.next(), why));
				done.add(1);
			}
			return rows.iterator();
		}
		while (images.hasNext()) {
			rows.addAll(rows(Path.of(images.next()), p, j.target()));
			done.add(1);
		}
		return rows.iterator();
	}

	private static List<Row> rows(Path img, Prepared p, FileSegmentation.Target target) {
		try {
			Path summary = target.dir().resolve(ImageFiles.baseName(img) + ".summary.json");
			if (!target.overwrite() && target.outputs().contains(SegmentationFiles.Output.SUMMARY) && Files.exists(
				summary)) { // complete earlier: resume
				Rows.sameObjects(summary, target.objects());
				return Rows.fromSummary(img, summary, p.resolved().toMap());
			}
			FileSegmentation.Outcome o = FileSegmentation.segment(img, p, target, Progress.NONE);
			return Rows.classRows(img.toString(), o.result().result(), o.pixelArea(), o.unit(), Rows.objectCounts(o
				.objects(), p.classNames(), target.objects()));
		}
		catch (Exception | OutOfMemoryError e) { // one bad image never fails the job
			return List.of(Rows.failed(img.toString(), Rows.message(e)));
		}
	}
}
