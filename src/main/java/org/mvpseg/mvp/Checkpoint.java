package org.mvpseg.mvp;

import com.google.gson.Gson;
import org.mvpseg.clip.io.RawTensor;
import org.mvpseg.clip.io.SafetensorsReader;
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
			double[] s = { p.tau1Log, p.tau2, p.gprBias };
			for (int j = 0; j < 3; j++) {
				scalars[j] = (float) (cfg.momentum() * scalars[j] + g.scalars()[j]);
				s[j] = (float) (s[j] - lr * scalars[j]);
			}
			p.tau1Log = s[0];
			p.tau2 = Math.max(1e-3f, (float) s[1]); // a temperature stays positive
			p.gprBias = cfg.learnBias() ? s[2] : 0;
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

	/** Restores prompts and momentum; returns the iteration to continue from. */
	static int load(Path ckpt, PromptSet p, Sgd sgd, PromptTrainer.Config cfg, List<String> seen,
		String backboneSha256) throws IOException
	{
		Map<String, String> meta = SafetensorsReader.metadata(ckpt);
		if (!FORMAT.equals(meta.get("format"))) throw new IOException(ckpt + " is not a training checkpoint; remove it "
			+ "or train without --resume.");
		if (!cfg.toJson().toString().equals(meta.get("config")) || !new Gson().toJson(seen).equals(meta.get(
			"seen_classes")) || !String.valueOf(backboneSha256).equals(meta.get("backbone_sha256")) || !p.denseMode
				.label().equals(meta.getOrDefault("dense_mode", "maskclip")))
			throw new IllegalArgumentException("The checkpoint " + ckpt.getFileName() + " was made with other settings, "
				+ "classes, weights or dense mode; resume with the same ones, or delete it to start afresh.");
		Map<String, RawTensor> t = SafetensorsReader.read(ckpt);
		float[] ctx = t.get("context").toFloats();
		System.arraycopy(ctx, 0, p.context, 0, ctx.length);
		float[] v = t.get("momentum_context").toFloats();
		System.arraycopy(v, 0, sgd.context, 0, v.length);
		float[] s = t.get("scalars").toFloats(), vs = t.get("momentum_scalars").toFloats();
		p.tau1Log = s[0];
		p.tau2 = s[1];
		p.gprBias = s[2];
		for (int j = 0; j < 3; j++) sgd.scalars[j] = vs[j];
		return Integer.parseInt(meta.get("iteration"));
	}
}
