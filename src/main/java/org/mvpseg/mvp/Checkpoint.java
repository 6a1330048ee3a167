package org.mvpseg.mvp;

import com.google.gson.Gson;
import org.mvpseg.clip.io.RawTensor;
import org.mvpseg.clip.io.TrainedFile;
import org.mvpseg.clip.io.SafetensorsWriter;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Training checkpoints ({@code <prompts>.ckpt}, docs/file-formats.md): the prompts, the optimiser's
 * momentum and the iteration, so that {@code --resume} continues bit for bit. Written every
 * {@code checkpointEvery} iterations, kept when a run is cancelled, removed when it completes.
 */
final class Checkpoint {

	static final String FORMAT = "mvp-seg-checkpoint";

	private Checkpoint() {}

	static Path pathFor(Path prompts) {
		return prompts.resolveSibling(prompts.getFileName() + ".ckpt");
	}

	/** SGD with momentum (PyTorch's form) and its state: v ← μ·v + g + wd·p;  p ← p − lr·v. */
	static final class Sgd {
		final float[] context;
		final double[] scalars = new double[3];

		Sgd(int contextLength) {
			context = new float[contextLength];
		}

		void apply(PromptSet p, TrainingStep.Gradients g, double lr, PromptTrainer.Config cfg) {
			float[] gCtx = g.context();
			for (int i = 0; i < gCtx.length; i++) {
				context[i] = (float) (cfg.momentum() * context[i] + gCtx[i] + cfg.weightDecay() * p.context[i]);
				p.context[i] -= (float) (lr * context[i]);
			}
			// Scalars are kept in float precision, exactly as checkpoints store them, so a resumed run
			// continues bit for bit.
			double[] s = { p.tau1Log, TrainingStep.tau2Parameter(p), p.gprBias };
			for (int j = 0; j < 3; j++) {
				scalars[j] = (float) (cfg.momentum() * scalars[j] + g.scalars()[j]);
				s[j] = (float) (s[j] - lr * scalars[j]);
			}
			p.tau1Log = s[0];
			// a temperature stays positive (SigLIP's form learns log τ₂: exp keeps it so)
			p.tau2 = p.gprForm == GprForm.PAPER ? Math.max(1e-3f, (float) s[1]) : (float) Math.exp(s[1]);
			p.gprBias = p.learnBias ? s[2] : 0;
		}
	}

	static void save(Path ckpt, PromptSet p, Sgd sgd, int iteration, PromptTrainer.Config cfg, String backboneSha256)
		throws IOException
	{
		Map<String, RawTensor> t = new LinkedHashMap<>();
		t.put("context", SafetensorsWriter.f32("context", p.context, p.k + 1, p.m, p.width));
		t.put("momentum_context", SafetensorsWriter.f32("momentum_context", sgd.context, p.k + 1, p.m, p.width));
		t.put("scalars", SafetensorsWriter.f32("scalars", new float[] { (float) p.tau1Log, (float) p.tau2,
			(float) p.gprBias }, 3));
		t.put("momentum_scalars", SafetensorsWriter.f32("momentum_scalars", new float[] { (float) sgd.scalars[0],
			(float) sgd.scalars[1], (float) sgd.scalars[2] }, 3));
		Map<String, String> meta = new LinkedHashMap<>();
		meta.put("format", FORMAT);
		meta.put("iteration", Integer.toString(iteration));
		meta.put("config", cfg.toJson().toString());
		meta.put("seen_classes", new Gson().toJson(p.seenClasses));
		meta.put("backbone_sha256", String.valueOf(backboneSha256));
		meta.put("dense_mode", p.denseMode.label());
		SafetensorsWriter.write(ckpt, t, meta);
	}

	/** What a damaged checkpoint's message tells the user to do. */
	static final String REMEDY = "delete it and train again without --resume (or with --overwrite)";

	/**
	 * Restores prompts and momentum; returns the iteration to continue from. Every tensor must have this run's shape
	 * and finite values, and the iteration must lie within the run: a damaged checkpoint is refused as damaged.
	 */
	static int load(Path ckpt, PromptSet p, Sgd sgd, PromptTrainer.Config cfg, List<String> seen,
		String backboneSha256) throws IOException
	{
		TrainedFile f = new TrainedFile(ckpt, "training checkpoint", REMEDY);
		Map<String, String> meta = f.metadata();
		if (!FORMAT.equals(meta.get("format"))) throw new IOException(ckpt + " is not a training checkpoint; remove it "
			+ "or train without --resume.");
		if (!cfg.toJson().toString().equals(meta.get("config")) || !new Gson().toJson(seen).equals(meta.get(
			"seen_classes")) || !String.valueOf(backboneSha256).equals(meta.get("backbone_sha256")) || !p.denseMode
				.label().equals(meta.getOrDefault("dense_mode", "maskclip")))
			throw new IllegalArgumentException("The checkpoint " + ckpt.getFileName() + " was made with other settings, "
				+ "classes, weights or dense mode; resume with the same ones, or delete it to start afresh.");
		int iteration = f.integer(meta, "iteration", 1, cfg.iterations());
		Map<String, RawTensor> t = f.tensors();
		float[] ctx = f.floats(t, "context", p.k + 1, p.m, p.width), v = f.floats(t, "momentum_context", p.k + 1, p.m,
			p.width), s = f.floats(t, "scalars", 3), vs = f.floats(t, "momentum_scalars", 3);
		System.arraycopy(ctx, 0, p.context, 0, ctx.length);
		System.arraycopy(v, 0, sgd.context, 0, v.length);
		p.tau1Log = s[0];
		p.tau2 = s[1];
		p.gprBias = s[2];
		for (int j = 0; j < 3; j++) sgd.scalars[j] = vs[j];
		return iteration;
	}
}
