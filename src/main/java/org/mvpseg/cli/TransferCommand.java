package org.mvpseg.cli;

import org.mvpseg.files.TrainingOutput;
import org.mvpseg.pipeline.Pipeline;
import org.mvpseg.pipeline.Prepared;
import org.mvpseg.pipeline.TransferRequest;
import org.mvpseg.imagej.StudentSources;
import org.mvpseg.student.StudentData;
import org.mvpseg.student.StudentFile;
import org.mvpseg.student.StudentTrainer;

import org.mvpseg.pipeline.SegmentOption;

import java.io.PrintStream;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;

/** {@code transfer}: MVP-SEG+ — a student learns the teacher's classes on unlabeled (or partly annotated) images. */
final class TransferCommand implements Main.Subcommand {

	/** The teacher's options the usage lists after the model (--batch is the student's, not the teacher's windows'). */
	private static final Set<SegmentOption> TEACHER_TUNING = EnumSet.of(SegmentOption.DENSE_MODE, SegmentOption.WINDOW,
		SegmentOption.STRIDE, SegmentOption.CHANNELS);

	/** The teacher's options: the prompts or a zero-shot template, and its windows. */
	private static final Set<SegmentOption> TEACHER = EnumSet.of(SegmentOption.PROMPTS, SegmentOption.TEMPLATE,
		SegmentOption.DENSE_MODE, SegmentOption.WINDOW, SegmentOption.STRIDE, SegmentOption.CHANNELS);

	@Override
	public String usage() {
		return "transfer (--unlabeled DIR | --data DIR | both) (--prompts FILE | --zero-shot [--template TEXT]) "
			+ "--classes \"a, b, c\" [--unseen \"b, c\"] --student-out FILE " + ModelArgs.USAGE + " " + SegmentOption
				.usage(TEACHER_TUNING) + " [--iterations 2000] "
			+ "[--teacher-iterations N] [--batch 8] [--lr 0.01] [--min-lr 0.0001] [--power 0.9] [--momentum 0.9] "
			+ "[--weight-decay 0.0005] [--seed 0] [--no-flip] [--no-gpr] [--class-balance 1] [--fine-tune-last-block [--block-lr-factor 0.1]] "
			+ "[--memory-budget-mb 1024] [--checkpoint-every 100] "
			+ "[--log-every 10] [--resume] [--overwrite]";
	}

	@Override
	public int run(String[] argv, PrintStream out) throws Exception {
		Set<String> valued = SegmentCommand.valued(TEACHER, "unlabeled", "data", "classes", "unseen", "student-out",
			"iterations", "teacher-iterations", "batch", "lr", "min-lr", "power", "momentum", "weight-decay", "seed",
			"memory-budget-mb", "checkpoint-every", "log-every", "block-lr-factor", "class-balance");
		Args a = new Args(argv, 1, valued, Set.of("zero-shot", "no-flip", "resume", "overwrite",
			"fine-tune-last-block", "no-gpr"));
		if (a.has("prompts") == a.has("zero-shot")) throw new Args.UsageException("give the teacher: --prompts FILE "
			+ "or --zero-shot");
		if (!a.has("unlabeled") && !a.has("data")) throw new Args.UsageException("give --unlabeled DIR (images "
			+ "without labels) and/or --data DIR (images with labels, 255 = not annotated)");
		TransferRequest request = TransferRequest.builder(SegmentCommand.options(a, TEACHER).classes(a.require("classes"))
			.build()).config(config(a)).images(a.get("unlabeled", null),
				a.get("data", null)).unseen(a.get("unseen", null)).output(a.path("student-out"), a.has("resume")).build();
		TrainingOutput.check(request.output(), "--student-out", request.resume(), a.has("overwrite"));
		List<String> unseen = request.unseen();
		List<StudentData.Source> sources = StudentSources.of(request.unlabeled(), request.data(), request.classes());
		out.println("student: " + request.config().describe() + (a.has("teacher-iterations") ? "" : " (teacher "
			+ "iterations automatic: all; self-training lost the unseen classes in our tests; MaskCLIP+ self-trains after "
			+ "its first 10 %)"));
		out.println("images: " + sources.size() + "; unseen classes: " + unseen);
		// claimed before the teacher loads: a second run into the same file is refused at once
		try (TrainingOutput output = TrainingOutput.claim(request.output(), "--student-out", request.resume(), a.has(
			"overwrite")))
		{
			return train(a, request, sources, unseen, output, out);
		}
	}

	private static int train(Args a, TransferRequest request, List<StudentData.Source> sources, List<String> unseen,
		TrainingOutput output, PrintStream out) throws Exception
	{
		ConsoleProgress progress = new ConsoleProgress(System.err);
		int every = a.integer("log-every", 10, 1), last = request.config().iterations();
		try (Prepared p = Pipeline.prepare(request.teacher(), progress)) {
			out.println("teacher: " + p.resolved().classifier() + " (dense features " + p.resolved().denseMode().label()
				+ ")");
			out.println("device: " + p.resolved().device());
			StudentFile s = new StudentTrainer(p.teacher(), request.config()).train(sources, unseen, output.file(), output
				.resume(), st -> {
					if (st.iteration() % every == 0 || st.iteration() == last) out.println(st.line());
				}, progress);
			out.println("wrote " + output.file() + ": " + s.describe());
			if (!s.classWeightsLine().isEmpty()) out.println(s.classWeightsLine());
			return 0;
		}
		catch (CancellationException e) {
			return TrainCommand.cancelled(out, output.file());
		}
	}

	static StudentTrainer.Config config(Args a) {
		StudentTrainer.Config d = StudentTrainer.Config.defaults();
		double lr = TrainCommand.positive(a, "lr", d.lr());
		// the teacher's labels throughout unless asked: self-training lost unseen classes on the toy world (README › MVP-SEG+)
		StudentTrainer.Config.Builder b = StudentTrainer.Config.builder().iterations(a.integer("iterations", d.iterations(),
			1)).teacherIterations(a.integer("teacher-iterations", -1, 0)).batch(a.integer("batch", d.batch(), 1)).seed(a
				.integer("seed", 0, Integer.MIN_VALUE));
		b.lr(lr).poly(a.decimal("min-lr", d.minLr(), 0, lr, "at least 0 and at most --lr (" + lr + ")"), TrainCommand
			.atLeastZero(a, "power", d.power()));
		b.sgd(TrainCommand.momentum(a, d.momentum()), TrainCommand.atLeastZero(a, "weight-decay", d.weightDecay())).flip(!a
			.has("no-flip"));
		b.checkpointEvery(a.integer("checkpoint-every", d.checkpointEvery(), 1)).memoryBudget((long) a.integer(
			"memory-budget-mb", (int) (d.memoryBudget() >> 20), 0) << 20);
		return b.fineTuneLastBlock(a.has("fine-tune-last-block"), TrainCommand.atLeastZero(a, "block-lr-factor", d
			.blockLrFactor())).gpr(!a.has("no-gpr")).classBalance(a.decimal("class-balance", d.classBalance(), 0, 1,
				"from 0 (off) to 1 (inverse frequency)")).build();
	}
}
