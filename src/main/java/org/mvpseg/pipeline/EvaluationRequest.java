package org.mvpseg.pipeline;

import org.mvpseg.runtime.RequestException;
import org.mvpseg.segment.Templates;

import java.util.ArrayList;
import java.util.List;

/**
 * An evaluation, from the command line or Fiji, built and checked like a {@link SegmentRequest}: each method to
 * evaluate (learned prompts, the zero-shot baseline, a student) is a segmentation over the seen classes, checked
 * before the data is read or any model loads ({@link RequestException}: exit 2 on the command line). Once the
 * dataset's classes are known, {@link #runs} gives each over seen + unseen.
 *
 * @param unseenGiven the unseen classes named by the user, or null: every class of the dataset that is not seen
 */
public record EvaluationRequest(List<String> seen, List<String> unseenGiven, List<SegmentRequest> methods) {

	public EvaluationRequest {
		if (seen == null) throw new RequestException("Give the seen classes (those the prompts were trained on).");
		seen = List.copyOf(seen);
		if (unseenGiven != null) {
			for (String u : unseenGiven) if (seen.contains(u)) throw new RequestException("\"" + u + "\" is both seen and "
				+ "unseen; give each class in one of the lists.");
			unseenGiven = List.copyOf(unseenGiven);
		}
		if (methods == null || methods.isEmpty()) throw new RequestException("Give a prompt set, the zero-shot baseline, "
			+ "a student, or several of them.");
		methods = List.copyOf(methods);
	}

	/**
	 * An evaluation may run learned prompts, the zero-shot baseline, or both, each with its own options:
	 * refuses options that no requested run would use (they would be ignored silently).
	 *
	 * @param prompts whether learned prompts or a student (which may keep its teacher's GPR) are evaluated
	 */
	public static void checkOptions(boolean prompts, boolean zeroShot, boolean zeroShotOptions, boolean noGpr,
		boolean dropAbsent)
	{
		if (dropAbsent && !prompts) throw new RequestException("Leaving out classes judged absent needs a prompt set or a "
			+ "student of one (it uses Global Prompt Refining's g_c; zero-shot segmentation has none).");
		if (zeroShotOptions && !zeroShot) throw new RequestException("Template, temperature, prompt denoising and key "
			+ "smoothing apply to the zero-shot baseline: ask for it too (zero-shot), or leave them out.");
		if (noGpr && !prompts) throw new RequestException("Turning Global Prompt Refining off needs a prompt set or a "
			+ "student of one (zero-shot segmentation has no GPR).");
	}

	/** The unseen classes: those given, else every class of the dataset that is not seen. */
	public List<String> unseen(List<String> datasetClasses) {
		if (unseenGiven != null) return unseenGiven;
		return datasetClasses.stream().filter(c -> !seen.contains(c)).toList();
	}

	/** Each method over seen + unseen (the order of the confusion matrix and of label values), all in the dataset. */
	public List<SegmentRequest> runs(List<String> datasetClasses) {
		List<String> classes = EvaluationRun.classes(seen, unseen(datasetClasses));
		TrainRequest.requireInDataset(classes, datasetClasses);
		return methods.stream().map(m -> m.withClasses(classes)).toList();
	}

	public static Builder builder() {
		return new Builder();
	}

	/** The text forms both front ends share. */
	public static final class Builder {
		private List<String> seen, unseen;
		private final List<SegmentRequest.Builder> methods = new ArrayList<>();

		/** "a, b": the class-name rules of segmenting. */
		public Builder seen(String text) {
			seen = Templates.parseClassNames(text);
			return this;
		}

		/** "c, d" (one name allowed); blank: every other class of the dataset. */
		public Builder unseen(String text) {
			unseen = SegmentRequest.Builder.blank(text) ? null : Templates.parseNames(text);
			return this;
		}

		/** One more method to evaluate, in the order of the report (its classes are set here). */
		public Builder method(SegmentRequest.Builder b) {
			methods.add(b);
			return this;
		}

		public EvaluationRequest build() {
			if (seen == null) throw new RequestException("Give the seen classes (those the prompts were trained on).");
			List<SegmentRequest> built = new ArrayList<>();
			for (SegmentRequest.Builder b : methods) built.add(b.classes(seen).build());
			return new EvaluationRequest(seen, unseen, built);
		}
	}
}
