package org.mvpseg.pipeline;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import org.mvpseg.mvp.Evaluation;
import org.mvpseg.mvp.LabelledImage;
import org.mvpseg.runtime.Progress;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Evaluation through the one pipeline: each method (learned prompts, zero-shot) is a
 * {@link SegmentRequest} over seen + unseen classes; the report is the same JSON wherever it is
 * written from (command line or Fiji).
 */
public final class EvaluationRun {

	/** One method's metrics and the values it ran with. */
	public record Outcome(String method, Evaluation evaluation, Resolved resolved) {}

	private EvaluationRun() {}

	/** Seen classes first, then unseen: the order of the confusion matrix and of label values. */
	public static List<String> classes(List<String> seen, List<String> unseen) {
		List<String> all = new ArrayList<>(seen);
		all.addAll(unseen);
		return all;
	}

	public static Outcome evaluate(SegmentRequest request, List<LabelledImage> data, List<String> datasetClasses,
		List<String> seen, List<String> unseen, Progress progress) throws IOException
	{
		try (Prepared p = Pipeline.prepare(request, progress)) {
			Evaluation e = Evaluation.run(data, datasetClasses, seen, unseen, p::input, p.segmenter(), p.classifier(),
				progress);
			return new Outcome(p.resolved().method(), e, p.resolved());
		}
	}

	/**
	 * The first method's metrics at the top level, with its {@code method} and {@code parameters}; a
	 * zero-shot baseline evaluated beside learned prompts under {@code zero_shot}, an MVP-SEG+ student under
	 * {@code student}.
	 */
	public static JsonObject json(List<Outcome> outcomes) {
		JsonObject top = null;
		for (Outcome o : outcomes) {
			JsonObject j = o.evaluation().toJson();
			j.addProperty("method", o.resolved().classifier());
			j.add("parameters", new Gson().toJsonTree(o.resolved().toMap()));
			if (top == null) top = j;
			else top.add(switch (o.method()) {
				case "zero-shot" -> "zero_shot";
				case "MVP-SEG+" -> "student";
				default -> o.method();
			}, j);
		}
		return top;
	}

	/** Writes {@link #json} to {@code file}, as the command line and Fiji both do. */
	public static void write(Path file, List<Outcome> outcomes) throws IOException {
		Files.writeString(file, new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create()
			.toJson(json(outcomes)) + "\n");
	}

	public static String table(List<Outcome> outcomes) {
		return Evaluation.table(outcomes.stream().map(Outcome::method).toList(), outcomes.stream().map(
			Outcome::evaluation).toList());
	}
}
