package org.mvpseg.cli;

import org.mvpseg.pipeline.Pipeline;
import org.mvpseg.pipeline.Prepared;
import org.mvpseg.runtime.Progress;

import java.util.HashMap;
import java.util.Map;

/**
 * The prepared pipeline of a Spark task thread: prepared by the first task that thread runs and kept for the next
 * ones with the same options (Spark reuses its task threads), so an executor encodes the class texts once per core
 * rather than once per task — the model itself is shared by the whole JVM anyway ({@code ModelService}). One per
 * thread because a pipeline keeps per-image records (GPR's presence) that concurrent tasks must not mix.
 */
final class TaskPipelines {

	private static final ThreadLocal<Map<String, Prepared>> PREPARED = ThreadLocal.withInitial(HashMap::new);

	private TaskPipelines() {}

	/** The pipeline for the job's {@code argv} on this thread (not to be closed: the thread keeps it). */
	static Prepared get(String[] argv) throws java.io.IOException {
		String key = String.join("\u0000", SparkCommand.segmentationOptions(argv));
		Map<String, Prepared> mine = PREPARED.get();
		Prepared p = mine.get(key);
		if (p == null) {
			p = Pipeline.prepare(SegmentCommand.request(SparkCommand.parse(argv), "classes"), Progress.NONE);
			mine.put(key, p);
		}
		return p;
	}
}
