package org.mvpseg.cli;

import org.mvpseg.models.ModelResolver;

import org.mvpseg.clip.ClipModel;
import org.mvpseg.imagej.DatasetFolder;
import org.mvpseg.mvp.PromptSet;
import org.mvpseg.mvp.PromptTrainer;
import org.mvpseg.pipeline.ModelService;
import org.mvpseg.segment.Templates;

import java.io.BufferedWriter;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;

/** {@code train}: learns MVP-SEG prompts on annotated images of the seen classes. */
final class TrainCommand implements Main.Subcommand {

	@Override
	public String usage() {
		return "train --data DIR --seen \"a, b, c\" --prompts-out FILE " + ModelArgs.USAGE + " [--recipe small|paper] "
			+ "[--iterations 1000] [--crop 448] [--batch 4] [--seed 0] [--lr 0.002] [--momentum 0.9] [--weight-decay 0] "
			+ "[--k 3] [--m 16] [--lambda-seg 1] [--lambda-cls 1] [--lambda-oc 1] [--scale-min 0.75] [--scale-max 1.25] "
			+ "[--resize-short-side 0] [--photometric] [--no-flip] [--gpr-bias] "
			+ "[--dense-mode maskclip|value|clearclip|sclip|naclip] [--checkpoint-every 100] [--log-every 10] [--resume] "
			+ "[--overwrite]";
	}

	@Override
	public int run(String[] argv, PrintStream out) throws Exception {
		Set<String> valued = new HashSet<>(ModelArgs.OPTIONS);
		valued.addAll(Set.of("data", "seen", "prompts-out", "iterations", "crop", "batch", "seed", "lr", "momentum",
			"weight-decay", "k", "m", "lambda-seg", "lambda-cls", "lambda-oc", "scale-min", "scale-max",
			"checkpoint-every", "log-every", "dense-mode", "recipe", "resize-short-side"));
		Args a = new Args(argv, 1, valued, Set.of("no-flip", "gpr-bias", "resume", "overwrite", "photometric"));
		PromptTrainer.Config cfg = config(a);
		out.println("training: " + cfg.describe() + " (recipe " + a.get("recipe", "small") + "; options given override it)");
		org.mvpseg.clip.DenseMode mode = org.mvpseg.clip.DenseMode.parse(a.get("dense-mode", "maskclip"));
		Path outFile = a.path("prompts-out");
		if (Files.exists(outFile) && !a.has("overwrite") && !a.has("resume")) throw new IllegalArgumentException(outFile
			+ " exists already; choose another --prompts-out, or pass --overwrite.");
		List<String> seen = Templates.parseClassNames(a.require("seen"));
		DatasetFolder.Contents data = DatasetFolder.load(a.path("data"));
		out.println("data: " + data.images().size() + " annotated image(s), classes " + data.classes());
		ConsoleProgress progress = new ConsoleProgress(System.err);
		ModelResolver.Resolved model = ModelArgs.resolve(a, progress);
		ClipModel clip = ModelService.shared().get(model.weights());
		out.println("model: " + model.weights() + " (" + clip.config().describe() + ")");
		out.println("device: " + org.mvpseg.runtime.Torch.device());
		int every = a.integer("log-every", 10, 1);
		Path csv = outFile.resolveSibling(outFile.getFileName() + ".log.csv");
		try (BufferedWriter log = Files.newBufferedWriter(csv)) {
			log.write("iteration,loss,seg,cls,oc,lr,tau1,tau2,bias,seconds\n");
			PromptSet p = new PromptTrainer(clip, model.identity(), cfg, mode).train(data.images(), data.classes(), seen,
				outFile, a.has("resume"), s -> {
					try {
						log.write(String.format(java.util.Locale.ROOT, "%d,%.6f,%.6f,%.6f,%.6f,%.6e,%.4f,%.6f,%.6f,%.3f%n",
							s.iteration(), s.loss(), s.seg(), s.cls(), s.oc(), s.lr(), s.tau1(), s.tau2(), s.bias(), s
								.seconds()));
						log.flush();
					}
					catch (java.io.IOException e) {
						throw new java.io.UncheckedIOException(e);
					}
					if (s.iteration() % every == 0 || s.iteration() == cfg.iterations()) out.println(s.line());
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
		String recipe = a.get("recipe", "small");
		PromptTrainer.Config d = switch (recipe) {
			case "small" -> PromptTrainer.Config.defaults();
			case "paper" -> PromptTrainer.Config.paper();
			default -> throw new Args.UsageException("unknown --recipe '" + recipe + "': choose small (the defaults, for "
				+ "a few images) or paper (20k iterations, batch 16, crop 512, the paper's augmentation)");
		};
		return new PromptTrainer.Config(a.integer("k", d.k(), 1), a.integer("m", d.m(), 1), a.integer("iterations", d
			.iterations(), 1), a.integer("crop", d.crop(), 16), a.integer("batch", d.batch(), 1), a.integer("seed", 0,
				Integer.MIN_VALUE), a.decimal("lr", d.lr()), a.decimal("momentum", d.momentum()), a.decimal("weight-decay", d
					.weightDecay()), a.decimal("lambda-seg", d.lambdaSeg()), a.decimal("lambda-cls", d.lambdaCls()), a
						.decimal("lambda-oc", d.lambdaOc()), a.decimal("scale-min", d.scaleMin()), a.decimal("scale-max", d
							.scaleMax()), d.flip() && !a.has("no-flip"), a.has("gpr-bias"), a.integer("checkpoint-every", d
								.checkpointEvery(), 1), a.integer("resize-short-side", d.resizeShortSide(), 0), d.photometric() || a
									.has("photometric"));
	}
}
