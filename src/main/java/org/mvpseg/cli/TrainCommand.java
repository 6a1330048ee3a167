package org.mvpseg.cli;

import org.mvpseg.files.TrainingOutput;
import org.mvpseg.imagej.DatasetFolder;
import org.mvpseg.mvp.PromptSet;
import org.mvpseg.mvp.PromptTrainer;
import org.mvpseg.pipeline.TrainRequest;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CancellationException;

/** {@code train}: learns MVP-SEG prompts on annotated images of the seen classes. */
final class TrainCommand implements Main.Subcommand {

	@Override
	public String usage() {
		return "train --data DIR --seen \"a, b, c\" --prompts-out FILE " + ModelArgs.USAGE + " [--recipe small|paper] "
			+ "[--iterations 1000] [--crop 448] [--batch 4] [--seed 0] [--lr 0.002] [--momentum 0.9] [--weight-decay 0] "
			+ "[--k 3] [--m 16] [--lambda-seg 1] [--lambda-cls 1] [--lambda-oc 1] [--scale-min 0.75] [--scale-max 1.25] "
			+ "[--resize-short-side 0] [--photometric] [--no-flip] [--gpr-form siglip|paper] [--gpr-bias] "
			+ "[--dense-mode maskclip|value|clearclip|sclip|naclip] [--checkpoint-every 100] [--log-every 10] [--resume] "
			+ "[--overwrite]";
	}

	@Override
	public int run(String[] argv, PrintStream out) throws Exception {
		Set<String> valued = new HashSet<>(ModelArgs.OPTIONS);
		valued.addAll(Set.of("data", "seen", "prompts-out", "iterations", "crop", "batch", "seed", "lr", "momentum",
			"weight-decay", "k", "m", "lambda-seg", "lambda-cls", "lambda-oc", "scale-min", "scale-max",
			"checkpoint-every", "log-every", "dense-mode", "recipe", "resize-short-side", "gpr-form"));
		Args a = new Args(argv, 1, valued, Set.of("no-flip", "gpr-bias", "resume", "overwrite", "photometric"));
		TrainRequest request = TrainRequest.builder().model(ModelArgs.choice(a), a.get("device", null)).seen(a.require(
			"seen")).denseMode(a.get("dense-mode", null)).config(config(a)).output(a.path("prompts-out"), a.has("resume"))
			.build();
		out.println("training: " + request.config().describe() + " (recipe " + a.get("recipe", "small") + "; options "
			+ "given override it)");
		int every = a.integer("log-every", 10, 1);
		// claimed before anything loads: a second run into the same file is refused at once
		try (TrainingOutput output = TrainingOutput.claim(request.output(), "--prompts-out", request.resume(), a.has(
			"overwrite")))
		{
			DatasetFolder.Contents data = DatasetFolder.load(a.path("data"));
			out.println("data: " + data.images().size() + " annotated image(s), classes " + data.classes());
			request.checkSeenIn(data.classes());
			return train(request, data, output, every, out);
		}
	}

	private static int train(TrainRequest request, DatasetFolder.Contents data, TrainingOutput output, int every,
		PrintStream out) throws Exception
	{
		ConsoleProgress progress = new ConsoleProgress(System.err);
		TrainRequest.Loaded model = request.load(progress);
		out.println("model: " + model.weights().weights() + " (" + model.clip().config().describe() + ")");
		out.println("device: " + model.device());
		Path outFile = output.file(), csv = outFile.resolveSibling(outFile.getFileName() + ".log.csv");
		int last = request.config().iterations();
		try (TrainingLog log = new TrainingLog(csv)) {
			PromptSet p = model.trainer().train(data.images(), data.classes(), request.seen(), outFile, output.resume(),
				s -> {
					log.accept(s);
					if (s.iteration() % every == 0 || s.iteration() == last) out.println(s.line());
				}, progress);
			out.println("wrote " + outFile + ": " + p.describe());
			out.println("training log: " + csv);
			return 0;
		}
		catch (CancellationException e) {
			return TrainCommand.cancelled(out, outFile);
		}
	}

	/** A cancelled training: where its checkpoint is; exit status 1. */
	static int cancelled(PrintStream out, Path outFile) {
		out.println("cancelled; the last checkpoint is " + outFile.resolveSibling(outFile.getFileName() + ".ckpt")
			+ " (continue with --resume)");
		return 1;
	}

	/** The recipe's values (small: for a user's folder; paper: the paper's), each option given overriding one. */
	static PromptTrainer.Config config(Args a) {
		PromptTrainer.Config d = PromptTrainer.Config.recipe(a.get("recipe", "small")).build();
		double scaleMin = a.decimal("scale-min", d.scaleMin(), Double.MIN_VALUE, 100, "greater than 0 (and at most 100)");
		double scaleMax = a.decimal("scale-max", d.scaleMax(), Double.MIN_VALUE, 100, "greater than 0 (and at most 100)");
		if (scaleMax < scaleMin) throw new Args.UsageException("--scale-max (" + scaleMax + ") must be at least "
			+ "--scale-min (" + scaleMin + ")");
		PromptTrainer.Config.Builder b = PromptTrainer.Config.recipe(a.get("recipe", "small"));
		b.prompts(a.integer("k", d.k(), 1), a.integer("m", d.m(), 1)).iterations(a.integer("iterations", d.iterations(), 1))
			.crop(a.integer("crop", d.crop(), 16)).batch(a.integer("batch", d.batch(), 1)).seed(a.integer("seed", 0,
				Integer.MIN_VALUE));
		b.lr(positive(a, "lr", d.lr())).sgd(momentum(a, d.momentum()), atLeastZero(a, "weight-decay", d.weightDecay()));
		b.lambdas(atLeastZero(a, "lambda-seg", d.lambdaSeg()), atLeastZero(a, "lambda-cls", d.lambdaCls()), atLeastZero(a,
			"lambda-oc", d.lambdaOc()));
		b.scale(scaleMin, scaleMax).flip(d.flip() && !a.has("no-flip")).photometric(d.photometric() || a.has("photometric"))
			.resizeShortSide(a.integer("resize-short-side", d.resizeShortSide(), 0));
		return b.learnBias(a.has("gpr-bias")).gprForm(gprForm(a)).checkpointEvery(a.integer("checkpoint-every", d
			.checkpointEvery(), 1)).build();
	}

	/** --gpr-form: siglip (the default) or paper (the paper's literal g_c). */
	static org.mvpseg.mvp.GprForm gprForm(Args a) {
		try {
			return org.mvpseg.mvp.GprForm.parse(a.get("gpr-form", PromptTrainer.Config.DEFAULT_GPR_FORM.label()));
		}
		catch (IllegalArgumentException e) {
			throw new Args.UsageException("--gpr-form: " + e.getMessage());
		}
	}

	/** A rate or factor: finite and greater than 0. */
	static double positive(Args a, String key, double fallback) {
		return a.decimal(key, fallback, Double.MIN_VALUE, Double.MAX_VALUE, "greater than 0");
	}

	/** SGD's momentum: in [0, 1). */
	static double momentum(Args a, double fallback) {
		return a.decimal("momentum", fallback, 0, Math.nextDown(1.0), "at least 0 and less than 1");
	}

	/** A weight or decay: finite and not negative. */
	static double atLeastZero(Args a, String key, double fallback) {
		return a.decimal(key, fallback, 0, Double.MAX_VALUE, "at least 0");
	}
}
