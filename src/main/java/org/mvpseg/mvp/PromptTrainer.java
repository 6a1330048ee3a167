package org.mvpseg.mvp;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import org.mvpseg.clip.ClipModel;
import org.mvpseg.clip.ClipTokenizer;
import org.mvpseg.clip.io.RawTensor;
import org.mvpseg.clip.io.SafetensorsWriter;
import org.mvpseg.image.ClipInput;
import org.mvpseg.runtime.Progress;
import org.mvpseg.runtime.RequestException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Trains MVP-SEG prompts on annotated images of seen classes (docs/formulas.md §5). CLIP stays frozen:
 * dense features of each crop are computed without gradients; the (K+1)·C prompt sentences go
 * through the frozen text tower with gradients to the prompt vectors, τ₁, τ₂ (and b) only.
 * SGD with momentum and cosine decay; random crops, flips and scale jitter; every random choice of
 * iteration t comes from (seed, t), so a run — and a resumed run — is reproducible.
 */
public final class PromptTrainer {

	/** libtorch allows one gradient collector per JVM: trainings are serialised. */
	private static final ReentrantLock ONE_AT_A_TIME = new ReentrantLock();

	/**
	 * Hyper-parameters, built by name ({@link #builder}); the defaults are docs/formulas.md §5's choices. The
	 * components are what prompt sets and checkpoints record ({@code training}, {@code config}): renaming one would
	 * make older checkpoints unresumable.
	 */
	public record Config(int k, int m, int iterations, int crop, int batch, long seed, double lr, double momentum,
		double weightDecay, double lambdaSeg, double lambdaCls, double lambdaOc, double scaleMin, double scaleMax,
		boolean flip, boolean learnBias, int checkpointEvery, int resizeShortSide, boolean photometric, GprForm gprForm)
	{
		/** GPR's form by default: SigLIP's (docs/formulas.md §5). */
		public static final GprForm DEFAULT_GPR_FORM = GprForm.SIGLIP;

		/** For a user's small folder: short runs, crops near the images' own scale. */
		public static Config defaults() {
			return builder().build();
		}

		/** The paper's recipe ({@link #recipe}). */
		public static Config paper() {
			return recipe("paper").build();
		}

		/** The small recipe's values, to change by name. */
		public static Builder builder() {
			return new Builder();
		}

		/**
		 * A recipe's values, to change by name: small (the defaults, for a user's folder) or paper — mmseg's, as
		 * MaskCLIP+ and MVP-SEG train (docs/formulas.md §5): 20k iterations, batch 16, crop 512, each image resized to
		 * fit (2048, 512) keeping its ratio, then scaled by U(0.5, 2.0), flipped, photometric distortion. Learning
		 * rate, momentum and weight decay stay ours (the paper does not give them).
		 */
		public static Builder recipe(String name) {
			return switch (name == null ? "small" : name.strip()) {
				case "", "small" -> builder();
				case "paper" -> builder().iterations(20000).batch(16).crop(512).scale(0.5, 2.0).resizeShortSide(512)
					.photometric(true);
				default -> throw new RequestException("unknown --recipe '" + name + "': choose small (the defaults, for "
					+ "a few images) or paper (20k iterations, batch 16, crop 512, the paper's augmentation)");
			};
		}

		public Config {
			if (k < 1 || m < 1 || iterations < 1 || crop < 16 || batch < 1 || checkpointEvery < 1) throw new RequestException(
				"K, M, iterations, batch and the checkpoint interval must be at least 1 and the crop at least 16 pixels.");
			if (resizeShortSide < 0) throw new RequestException("The base resize must not be negative (0 = none).");
			if (gprForm == null) gprForm = DEFAULT_GPR_FORM;
			if (!(lr > 0) || momentum < 0 || momentum >= 1 || scaleMin <= 0 || scaleMax < scaleMin) throw new RequestException(
				"Need lr > 0, 0 <= momentum < 1 and 0 < scale-min <= scale-max.");
		}

		/** The values by name; each setter replaces one. */
		public static final class Builder extends TrainingBuilder<Builder> {
			// no GPR bias: the paper's g_c = σ(s/τ₂) re-weights classes; a learned bias made g_c a flat gate
			// (≈ 0.45 for every class on the toy world, README › What was measured here)
			private int k = 3, m = 16, crop = 448, resizeShortSide;
			private double lambdaSeg = 1, lambdaCls = 1, lambdaOc = 1, scaleMin = 0.75, scaleMax = 1.25;
			private boolean learnBias, photometric;
			private GprForm gprForm = DEFAULT_GPR_FORM;

			private Builder() {
				super(1000, 4, 2e-3, 0);
			}

			/** K prompts per class and M context vectors per prompt. */
			public Builder prompts(int k, int m) {
				this.k = k;
				this.m = m;
				return this;
			}

			public Builder crop(int pixels) {
				crop = pixels;
				return this;
			}

			/** λ of the segmentation, classification and orthogonality losses. */
			public Builder lambdas(double seg, double cls, double oc) {
				lambdaSeg = seg;
				lambdaCls = cls;
				lambdaOc = oc;
				return this;
			}

			/** The scale jitter's range. */
			public Builder scale(double min, double max) {
				scaleMin = min;
				scaleMax = max;
				return this;
			}

			public Builder learnBias(boolean on) {
				learnBias = on;
				return this;
			}

			/** The recipe's base resize to this short side (0: none). */
			public Builder resizeShortSide(int pixels) {
				resizeShortSide = pixels;
				return this;
			}

			public Builder photometric(boolean on) {
				photometric = on;
				return this;
			}

			public Builder gprForm(GprForm form) {
				gprForm = form;
				return this;
			}

			/** The values so far (to show a recipe's or override one). */
			public Config build() {
				return new Config(k, m, iterations, crop, batch, seed, lr, momentum, weightDecay, lambdaSeg, lambdaCls,
					lambdaOc, scaleMin, scaleMax, flip, learnBias, checkpointEvery, resizeShortSide, photometric, gprForm);
			}
		}

		/** Cosine decay from lr to 0 over the run (docs/formulas.md §5). */
		double learningRate(int it) {
			return lr * 0.5 * (1 + Math.cos(Math.PI * it / iterations));
		}

		/** Every value, in words, for logs. */
		public String describe() {
			return String.format(Locale.ROOT, "%d iterations, batch %d, crop %d, K %d, M %d, lr %.4g, momentum %.2f, "
				+ "weight decay %.4g, lambda seg/cls/oc %.2f/%.2f/%.2f, scale %.2f-%.2f%s, flip %s, photometric %s, "
				+ "GPR form %s, GPR bias %s, seed %d", iterations, batch, crop, k, m, lr, momentum, weightDecay, lambdaSeg,
				lambdaCls, lambdaOc, scaleMin, scaleMax, resizeShortSide > 0 ? " of a resize to short side "
					+ resizeShortSide + " (long side at most " + 4 * resizeShortSide + ")" : " of the image's size", onOff(
						flip), onOff(photometric), gprForm.label(), onOff(gprForm.learnsBias(learnBias)), seed);
		}

		private static String onOff(boolean b) {
			return b ? "on" : "off";
		}

		JsonObject toJson() {
			return new com.google.gson.Gson().toJsonTree(this).getAsJsonObject();
		}
	}

	/** One iteration's numbers, as logged. */
	public record Step(int iteration, double loss, double seg, double cls, double oc, double lr, double tau1,
		double tau2, double bias, double seconds)
	{
		public String line() {
			return String.format(Locale.ROOT, "iter %d loss %.4f seg %.4f cls %.4f oc %.4f lr %.2e tau1 %.2f tau2 %.4f "
				+ "bias %.4f (%.2f s)", iteration, loss, seg, cls, oc, lr, tau1, tau2, bias, seconds);
		}
	}

	private final ClipModel model;
	/** The weights' identity by their tensors (ModelResolver.Resolved#identity), recorded in the prompt set. */
	private final String backboneSha256;
	private final Config cfg;
	private final org.mvpseg.clip.DenseMode denseMode;

	/** @param denseMode the dense features to learn prompts on; the prompt set records it */
	public PromptTrainer(ClipModel model, String backboneSha256, Config cfg, org.mvpseg.clip.DenseMode denseMode) {
		denseMode.requireSupportedBy(model.config().vit());
		this.denseMode = denseMode;
		this.model = model;
		this.backboneSha256 = backboneSha256;
		this.cfg = cfg;
	}

	/**
	 * Trains and writes the prompt set to {@code out}; a checkpoint {@code out + ".ckpt"} is written
	 * every {@code checkpointEvery} iterations (and survives a cancelled run).
	 *
	 * @param classNames the dataset's classes (label value n = classNames[n])
	 * @param seen the classes to learn; pixels of other classes are ignored (the zero-shot protocol)
	 * @param resume continue from the checkpoint if there is one
	 */
	public PromptSet train(List<LabelledImage> data, List<String> classNames, List<String> seen, Path out,
		boolean resume, Consumer<Step> log, Progress progress) throws IOException
	{
		if (!ONE_AT_A_TIME.tryLock()) throw new IllegalStateException("Another prompt training is running in this "
			+ "program; wait for it to finish (libtorch allows one gradient recorder at a time).");
		try {
			return run(data, classNames, seen, out, resume, log, progress);
		}
		finally {
			ONE_AT_A_TIME.unlock();
		}
	}

	/** The training images as CLIP inputs and their labels mapped to seen-class indices. */
	private record Data(List<ClipInput> inputs, List<int[]> labels, List<LabelledImage> images) {}

	private PromptSet run(List<LabelledImage> images, List<String> classNames, List<String> seen, Path out,
		boolean resume, Consumer<Step> log, Progress progress) throws IOException
	{
		Data data = data(images, classNames, seen);
		int crop = crop();
		int[][] tokens = classTokens(model, seen);
		PromptSet p = initialPrompts(seen, crop);
		Sgd sgd = new Sgd(p.context.length, 3);
		Path ckpt = Checkpoint.pathFor(out);
		int start = resume && Files.isRegularFile(ckpt) ? restore(ckpt, p, sgd, seen) : 0;
		TrainingStep.LossWeights weights = new TrainingStep.LossWeights(cfg.lambdaSeg(), cfg.lambdaCls(), cfg
			.lambdaOc());
		double[] recent = null;
		for (int it = start; it < cfg.iterations(); it++) {
			progress.checkCancelled();
			progress.update("training prompts", it, cfg.iterations());
			long t0 = System.nanoTime();
			double lr = cfg.learningRate(it);
			float[] pixels = new float[cfg.batch() * 3 * crop * crop];
			int[] labels = sampleBatch(data, it, crop, pixels);
			TrainingStep.Gradients g = TrainingStep.compute(model, p, tokens, pixels, labels, cfg.batch(), crop, weights);
			if (!Double.isFinite(g.losses()[0])) throw new IllegalStateException("The loss became " + g.losses()[0]
				+ " at iteration " + it + "; lower --lr and train again.");
			step(p, sgd, g, lr);
			recent = movingAverage(recent, g.losses());
			log.accept(new Step(it + 1, g.losses()[0], g.losses()[1], g.losses()[2], g.losses()[3], lr, p.tau1(), p.tau2,
				p.gprBias, (System.nanoTime() - t0) / 1e9));
			if ((it + 1) % cfg.checkpointEvery() == 0 || it + 1 == cfg.iterations()) CHECKPOINT.save(ckpt, it + 1,
				tensors(p, sgd), run(seen));
		}
		progress.update("training prompts", cfg.iterations(), cfg.iterations());
		p.losses = lossSummary(recent);
		p.save(out);
		Files.deleteIfExists(ckpt); // the run is complete: nothing left to resume
		return p;
	}

	/** The velocities {@link Sgd} keeps: the context vectors', then the scalars' (log τ₁, τ₂ as learned, b). */
	private static final int CONTEXT = 0, SCALARS = 1;

	private static final Checkpoint CHECKPOINT = new Checkpoint("mvp-seg-checkpoint", "training checkpoint",
		"delete it and train again without --resume (or with --overwrite)", "settings, classes, weights or dense mode");

	/** One SGD step: the context vectors with weight decay; log τ₁, τ₂ (as learned) and b without, in float. */
	private void step(PromptSet p, Sgd sgd, TrainingStep.Gradients g, double lr) {
		sgd.step(CONTEXT, p.context, g.context(), lr, cfg.momentum(), cfg.weightDecay());
		double[] s = { p.tau1Log, TrainingStep.tau2Parameter(p), p.gprBias };
		sgd.step(SCALARS, s, g.scalars(), lr, cfg.momentum());
		p.tau1Log = s[0];
		// a temperature stays positive (SigLIP's form learns log τ₂: exp keeps it so)
		p.tau2 = p.gprForm == GprForm.PAPER ? Math.max(1e-3f, (float) s[1]) : (float) Math.exp(s[1]);
		p.gprBias = p.learnBias ? s[2] : 0;
	}

	/** What a checkpoint holds: the prompts (τ₂ itself, not its parameter) and the velocities. */
	private static Map<String, RawTensor> tensors(PromptSet p, Sgd sgd) {
		Map<String, RawTensor> t = new LinkedHashMap<>();
		t.put("context", SafetensorsWriter.f32("context", p.context, p.k + 1, p.m, p.width));
		t.put("momentum_context", SafetensorsWriter.f32("momentum_context", sgd.velocity(CONTEXT), p.k + 1, p.m,
			p.width));
		t.put("scalars", SafetensorsWriter.f32("scalars", new float[] { (float) p.tau1Log, (float) p.tau2,
			(float) p.gprBias }, 3));
		t.put("momentum_scalars", SafetensorsWriter.f32("momentum_scalars", sgd.velocity(SCALARS), 3));
		return t;
	}

	/** What a checkpoint must agree on to be resumed. */
	private Map<String, String> run(List<String> seen) {
		Map<String, String> m = new LinkedHashMap<>();
		m.put("config", cfg.toJson().toString());
		m.put("seen_classes", new Gson().toJson(seen));
		m.put("backbone_sha256", String.valueOf(backboneSha256));
		m.put("dense_mode", denseMode.label());
		return m;
	}

	/** Restores prompts and velocities from this run's checkpoint; returns the iteration to continue from. */
	private int restore(Path ckpt, PromptSet p, Sgd sgd, List<String> seen) throws IOException {
		Checkpoint.Opened c = CHECKPOINT.open(ckpt, run(seen), cfg.iterations());
		float[] ctx = c.floats("context", p.k + 1, p.m, p.width), v = c.floats("momentum_context", p.k + 1, p.m,
			p.width), s = c.floats("scalars", 3), vs = c.floats("momentum_scalars", 3);
		System.arraycopy(ctx, 0, p.context, 0, ctx.length);
		System.arraycopy(v, 0, sgd.velocity(CONTEXT), 0, v.length);
		p.tau1Log = s[0];
		p.tau2 = s[1];
		p.gprBias = s[2];
		System.arraycopy(vs, 0, sgd.velocity(SCALARS), 0, vs.length);
		return c.iteration();
	}

	/** The crop, in whole feature cells. */
	private int crop() {
		int cell = model.config().cellSize();
		return Math.max(cell, cfg.crop() - cfg.crop() % cell);
	}

	private Data data(List<LabelledImage> images, List<String> classNames, List<String> seen) {
		if (images.isEmpty()) throw new IllegalArgumentException("No training images.");
		int[] toSeen = LabelledImage.classIndex(classNames, seen);
		List<ClipInput> inputs = new ArrayList<>();
		List<int[]> labels = new ArrayList<>();
		for (LabelledImage li : images) {
			inputs.add(ClipInput.of(li.image()));
			int[] l = new int[li.labels().length];
			for (int i = 0; i < l.length; i++) {
				int v = li.labels()[i];
				l[i] = v >= 0 && v < toSeen.length ? toSeen[v] : MvpLosses.IGNORE;
			}
			labels.add(l);
		}
		if (labels.stream().allMatch(l -> java.util.Arrays.stream(l).allMatch(v -> v == MvpLosses.IGNORE)))
			throw new IllegalArgumentException("No pixel of the training images belongs to a seen class " + seen + ".");
		return new Data(inputs, labels, images);
	}

	private PromptSet initialPrompts(List<String> seen, int crop) {
		PromptSet p = PromptSet.initial(cfg.k(), cfg.m(), textWidth(), cfg.seed(), cfg.learnBias(), cfg.gprForm());
		p.tau1Log = (float) p.tau1Log;
		p.tau2 = (float) p.tau2;
		p.backboneSha256 = backboneSha256;
		p.backboneIdentity = org.mvpseg.models.WeightIdentity.RECIPE;
		p.denseMode = denseMode;
		p.backbone = model.config().describe();
		p.seenClasses = List.copyOf(seen);
		p.training = cfg.toJson();
		p.training.addProperty("crop_used", crop);
		return p;
	}

	/** Iteration {@code it}'s crops (into {@code pixels}) and their labels; every choice from (seed, it). */
	private int[] sampleBatch(Data data, int it, int crop, float[] pixels) {
		Random rnd = new Random(cfg.seed() * 0x9E3779B97F4A7C15L + it);
		int[] labels = new int[cfg.batch() * crop * crop];
		for (int b = 0; b < cfg.batch(); b++) {
			int i = rnd.nextInt(data.inputs().size());
			LabelledImage li = data.images().get(i);
			sampleCrop(data.inputs().get(i), data.labels().get(i), li.image().width(), li.image().height(), crop, rnd,
				pixels, b * 3 * crop * crop, labels, b * crop * crop);
		}
		return labels;
	}

	private static double[] movingAverage(double[] recent, double[] values) {
		if (recent == null) return values.clone();
		for (int j = 0; j < recent.length; j++) recent[j] = 0.9 * recent[j] + 0.1 * values[j];
		return recent;
	}

	private static JsonObject lossSummary(double[] recent) {
		JsonObject losses = new JsonObject();
		String[] names = { "total", "seg", "cls", "oc" };
		for (int j = 0; j < 4 && recent != null; j++) losses.addProperty(names[j], recent[j]);
		losses.addProperty("note", "exponential moving average (0.9) over the last iterations");
		return losses;
	}

	private int textWidth() {
		return model.config().textWidth();
	}

	/** The model's tokens of each class name (BPE or WordPiece, no special tokens), as prompt sentences need them. */
	public static int[][] classTokens(ClipModel model, List<String> names) {
		int[][] t = new int[names.size()][];
		for (int i = 0; i < t.length; i++) t[i] = model.nameTokens(names.get(i));
		return t;
	}

	/**
	 * A random crop with scale jitter (after the recipe's base resize, if any), photometric distortion if asked,
	 * and a horizontal flip: pixels (CLIP-normalised, padding = mean colour) and labels (nearest neighbour,
	 * padding = ignore).
	 */
	private void sampleCrop(ClipInput input, int[] labels, int w, int h, int crop, Random rnd, float[] pixels,
		int pOff, int[] out, int lOff)
	{
		double base = cfg.resizeShortSide() == 0 ? 1 : Math.min(cfg.resizeShortSide() / (double) Math.min(w, h), 4.0 * cfg
			.resizeShortSide() / Math.max(w, h)); // mmseg: keep-ratio resize to (2048, 512), then the jitter
		double s = base * (cfg.scaleMin() + rnd.nextDouble() * (cfg.scaleMax() - cfg.scaleMin()));
		int sw = Math.max(1, (int) Math.round(w * s)), sh = Math.max(1, (int) Math.round(h * s));
		int x0 = rnd.nextInt(Math.max(1, sw - crop + 1)), y0 = rnd.nextInt(Math.max(1, sh - crop + 1));
		int cw = Math.min(crop, sw - x0), ch = Math.min(crop, sh - y0);
		ClipInput scaled = sw == w && sh == h ? input : input.resized(sw, sh);
		scaled.window(x0, y0, cw, ch, crop, crop, pixels, pOff);
		java.util.Arrays.fill(out, lOff, lOff + crop * crop, MvpLosses.IGNORE);
		for (int y = 0; y < ch; y++) {
			int sy = Math.min(h - 1, (int) ((y0 + y + 0.5) * h / (double) sh));
			for (int x = 0; x < cw; x++) {
				int sx = Math.min(w - 1, (int) ((x0 + x + 0.5) * w / (double) sw));
				out[lOff + y * crop + x] = labels[sy * w + sx];
			}
		}
		if (cfg.photometric()) PhotometricDistortion.apply(pixels, pOff, crop, cw, ch, rnd);
		if (cfg.flip() && rnd.nextBoolean()) {
			for (int c = 0; c < 3; c++) flipRows(pixels, pOff + c * crop * crop, crop);
			flipRows(out, lOff, crop);
		}
	}

	private static void flipRows(float[] a, int off, int n) {
		for (int y = 0; y < n; y++)
			for (int i = 0, j = n - 1; i < j; i++, j--) {
				float t = a[off + y * n + i];
				a[off + y * n + i] = a[off + y * n + j];
				a[off + y * n + j] = t;
			}
	}

	private static void flipRows(int[] a, int off, int n) {
		for (int y = 0; y < n; y++)
			for (int i = 0, j = n - 1; i < j; i++, j--) {
				int t = a[off + y * n + i];
				a[off + y * n + i] = a[off + y * n + j];
				a[off + y * n + j] = t;
			}
	}
}
