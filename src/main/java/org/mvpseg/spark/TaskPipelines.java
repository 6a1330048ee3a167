package org.mvpseg.spark;

import org.mvpseg.pipeline.Pipeline;
import org.mvpseg.pipeline.Prepared;
import org.mvpseg.runtime.Progress;

import java.util.HashMap;
import java.util.Map;

/**
 * The prepared pipeline of a Spark task thread: prepared by the first task that thread runs and kept for the next
 * ones of the same job (Spark reuses its task threads), so an executor encodes the class texts once per core
 * rather than once per task — the model itself is shared by the whole JVM anyway ({@code ModelService}). One per
 * thread because a pipeline keeps per-image records (GPR's presence) that concurrent tasks must not mix.
 */
final class TaskPipelines {

	private static final ThreadLocal<Map<String, Prepared>> PREPARED = ThreadLocal.withInitial(HashMap::new);

	private TaskPipelines() {}

	/** The pipeline for {@code job} on this thread (not to be closed: the thread keeps it). */
	static Prepared get(Job job) throws java.io.IOException {
		Map<String, Prepared> mine = PREPARED.get();
		Prepared p = mine.get(job.key());
		if (p == null) {
			p = Pipeline.prepare(job.request(), Progress.NONE);
			mine.put(job.key(), p);
		}
		return p;
	}
}
