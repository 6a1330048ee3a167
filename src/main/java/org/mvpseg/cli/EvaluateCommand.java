package org.mvpseg.cli;

import org.mvpseg.imagej.DatasetFolder;
import org.mvpseg.mvp.Evaluation;
import org.mvpseg.pipeline.EvaluationRun;
import org.mvpseg.pipeline.SegmentRequest;
import org.mvpseg.segment.Templates;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** {@code evaluate}: mIoU(seen), mIoU(unseen), hIoU of learned prompts and/or the zero-shot baseline. */
final class EvaluateCommand implements Main.Subcommand {

	@Override
	public String usage() {
		return "evaluate --data DIR (--prompts FILE [--no-gpr | --drop-absent] | --zero-shot | --student FILE | any of them) --seen \"a, b\" [--unseen \"c, d\"] "
			+ ModelArgs.USAGE + " [--json FILE] [--dense-mode maskclip|value|clearclip|sclip|naclip] [--window N] "
			+ "[--stride N] [--batch N] [--short-side N] [--protocol windows|paper] [--pamr] [--half] [--channels 1,2,3] [--template TEXT] [--denoise 0.5] [--temperature T] "
			+ "[--key-smoothing 1.0]";
	}

	@Override
	public int run(String[] argv, PrintStream out) throws Exception {
		Set<String> valued = new HashSet<>(ModelArgs.OPTIONS);
		valued.addAll(SegmentCommand.REQUEST_OPTIONS);
		valued.remove("classes");
		valued.remove("prompts");
		valued.remove("student");
		valued.addAll(Set.of("data", "prompts", "seen", "unseen", "json", "student"));
		Args a = new Args(argv, 1, valued, Set.of("zero-shot", "no-gpr", "drop-absent", "pamr", "half"));
		if (!a.has("prompts") && !a.has("zero-shot") && !a.has("student")) throw new Args.UsageException("give --prompts "
			+ "FILE, --zero-shot, --student FILE, or several of them");
		EvaluationRun.checkOptions(a.has("prompts"), a.has("zero-shot"), a.has("template") || a.has("temperature") || a
			.has("denoise") || a.has("key-smoothing"), a.has("no-gpr"), a.has("drop-absent"));
		List<String> seen = Templates.parseClassNames(a.require("seen"));
		if (a.has("json")) org.mvpseg.files.TrainingOutput.requireWritableFolder(a.path("json"), "--json"); // not after
		DatasetFolder.Contents data = DatasetFolder.load(a.path("data"));
		List<String> unseen = Evaluation.unseenClasses(data.classes(), seen, a.get("unseen", ""));
		List<String> classes = EvaluationRun.classes(seen, unseen);
		List<SegmentRequest> requests = new ArrayList<>();
		if (a.has("prompts")) requests.add(mvpRequest(a, classes));
		if (a.has("zero-shot")) requests.add(zeroShotRequest(a, classes));
		if (a.has("student")) requests.add(SegmentCommand.common(a).student(a.get("student", null)).classes(classes)
			.build());
		ConsoleProgress progress = new ConsoleProgress(System.err);
		List<EvaluationRun.Outcome> outcomes = new ArrayList<>();
		for (SegmentRequest r : requests) outcomes.add(EvaluationRun.evaluate(r, data.images(), data.classes(), seen,
			unseen, progress));
		for (String note : outcomes.get(0).resolved().notes()) out.println("  " + note);
		out.println("IoU (%) on " + data.images().size() + " image(s):");
		out.print(EvaluationRun.table(outcomes));
		if (a.has("json")) {
			Path f = a.path("json");
			EvaluationRun.write(f, outcomes);
			out.println("wrote " + f);
		}
		return 0;
	}

	private static SegmentRequest mvpRequest(Args a, List<String> classes) {
		return SegmentCommand.common(a).prompts(a.get("prompts", null)).gpr(!a.has("no-gpr")).dropAbsent(a.has("drop-absent")).classes(
			classes).build();
	}

	private static SegmentRequest zeroShotRequest(Args a, List<String> classes) {
		return SegmentCommand.zeroShotOptions(SegmentCommand.common(a), a).classes(classes).build();
	}
}
