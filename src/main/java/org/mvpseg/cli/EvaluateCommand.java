package org.mvpseg.cli;

import org.mvpseg.imagej.DatasetFolder;
import org.mvpseg.pipeline.EvaluationRequest;
import org.mvpseg.pipeline.EvaluationRun;
import org.mvpseg.pipeline.SegmentOption;
import org.mvpseg.pipeline.SegmentOption.Group;
import org.mvpseg.pipeline.SegmentRequest;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** {@code evaluate}: mIoU(seen), mIoU(unseen), hIoU of learned prompts and/or the zero-shot baseline. */
final class EvaluateCommand implements Main.Subcommand {

	@Override
	public String usage() {
		return "evaluate --data DIR (--prompts FILE | --zero-shot | --student FILE | any of them) [--no-gpr | --drop-absent] --seen \"a, b\" [--unseen \"c, d\"] "
			+ ModelArgs.USAGE + " [--json FILE] " + SegmentOption.usage(SegmentOption.of(Group.COMMON, Group.ZERO_SHOT));
	}

	@Override
	public int run(String[] argv, PrintStream out) throws Exception {
		Args a = new Args(argv, 1, SegmentCommand.valued(SegmentCommand.REQUEST_OPTIONS, "data", "seen", "unseen", "json"),
			SegmentCommand.switches(SegmentCommand.REQUEST_OPTIONS, "zero-shot"));
		if (!a.has("prompts") && !a.has("zero-shot") && !a.has("student")) throw new Args.UsageException("give --prompts "
			+ "FILE, --zero-shot, --student FILE, or several of them");
		EvaluationRequest request = request(a);
		if (a.has("json")) org.mvpseg.files.TrainingOutput.requireWritableFolder(a.path("json"), "--json"); // not after
		DatasetFolder.Contents data = DatasetFolder.load(a.path("data"));
		List<String> seen = request.seen(), unseen = request.unseen(data.classes());
		List<SegmentRequest> requests = request.runs(data.classes());
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

	/** Learned prompts, the zero-shot baseline, a student: those asked for, in this order, each with its options. */
	private static EvaluationRequest request(Args a) {
		EvaluationRequest.checkOptions(a.has("prompts") || a.has("student"), a.has("zero-shot"), SegmentCommand.anyGiven(a, SegmentOption.of(
			Group.ZERO_SHOT)), a.has("no-gpr"), a.has("drop-absent"));
		EvaluationRequest.Builder b = EvaluationRequest.builder().seen(a.require("seen")).unseen(a.get("unseen", null));
		if (a.has("prompts")) b.method(SegmentCommand.options(a, SegmentOption.forMethod(Group.LEARNED)));
		if (a.has("zero-shot")) b.method(SegmentCommand.options(a, SegmentOption.forMethod(Group.ZERO_SHOT)));
		if (a.has("student")) b.method(SegmentCommand.options(a, SegmentOption.forMethod(Group.STUDENT)));
		return b.build();
	}
}
