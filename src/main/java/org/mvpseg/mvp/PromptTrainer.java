package org.mvpseg.mvp;

import com.google.gson.JsonObject;
import org.mvpseg.clip.ClipModel;
import org.mvpseg.image.ClipInput;
import org.mvpseg.runtime.Progress;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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

	/** Hyper-parameters; the defaults are docs/formulas.md §5's choices. */
	public record Config(int k, int m, int iterations, int crop, int batch, long seed, double lr, double momentum,
		double weightDecay, double lambdaSeg, double lambdaCls, double lambdaOc, double scaleMin, double scaleMax,
		boolean flip, boolean learnBias, int checkpointEvery, int resizeShortSide, boolean photometric, GprForm gprForm)
	{
		/** GPR's form by default: SigLIP's (docs/formulas.md §5). */
		public static final GprForm DEFAULT_GPR_FORM = GprForm.SIGLIP;

		/** With the default GPR form. */
		public Config(int k, int m, int iterations, int crop, int batch, long seed, double lr, double momentum,
			double weightDecay, double lambdaSeg, double lambdaCls, double lambdaOc, double scaleMin, double scaleMax,
			boolean flip, boolean learnBias, int checkpointEvery, int resizeShortSide, boolean photometric)
		{
			this(k, m, iterations, crop, batch, seed, lr, momentum, weightDecay, lambdaSeg, lambdaCls, lambdaOc, scaleMin,
				scaleMax, flip, learnBias, checkpointEvery, resizeShortSide, photometric, DEFAULT_GPR_FORM);
		}

		/** Without the paper's base resize and photometric distortion. */
		public Config(int k, int m, int iterations, int crop, int batch, long seed, double lr, double momentum,
			double weightDecay, double lambdaSeg, double lambdaCls, double lambdaOc, double scaleMin, double scaleMax,
			boolean flip, boolean learnBias, int checkpointEvery)
		{
			this(k, m, iterations, crop, batch, seed, lr, momentum, weightDecay, lambdaSeg, lambdaCls, lambdaOc, scaleMin,
				scaleMax, flip, learnBias, checkpointEvery, 0, false);
		}

		/** For a user's small folder: short runs, crops near the images' own scale. */
		public static Config defaults() {
			// no GPR bias: the paper's g_c = σ(s/τ₂) re-weights classes; a learned bias made g_c a flat gate
			// (≈ 0.45 for every class on the toy world, README › What was measured here)
			return new Config(3, 16, 1000, 448, 4, 0, 2e-3, 0.9, 0, 1, 1, 1, 0.75, 1.25, true, false, 100);
		}

		/**
		 * The paper's recipe (mmseg's, as MaskCLIP+ and MVP-SEG train; docs/formulas.md §5): 20k iterations, batch
		 * 16, crop 512, each image resized to fit (2048, 512) keeping its ratio, then scaled by U(0.5, 2.0), flipped,
		 * photometric distortion. Learning rate, momentum and weight decay stay ours (the paper does not give them).
		 */
		public static Config paper() {
			return new Config(3, 16, 20000, 512, 16, 0, 2e-3, 0.9, 0, 1, 1, 1, 0.5, 2.0, true, false, 100, 512, true);
		}

		public Config {
			if (k < 1 || m < 1 || iterations < 1 || crop < 16 || batch < 1) throw new IllegalArgumentException(
				"K, M, iterations and batch must be at least 1 and the crop at least 16 pixels");
			if (resizeShortSide < 0) throw new IllegalArgumentException("the base resize must not be negative (0 = none)");
			if (gprForm == null) gprForm = DEFAULT_GPR_FORM;
			if (!(lr > 0) || momentum < 0 || momentum >= 1 || scaleMin <= 0 || scaleMax < scaleMin)
				throw new IllegalArgumentException("need lr > 0, 0 <= momentum < 1 and 0 < scale-min <= scale-max");
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

	public PromptTrainer(ClipModel model, String backboneSha256, Config cfg) {
		this(model, backboneSha256, cfg, org.mvpseg.clip.DenseMode.MASKCLIP);
	}

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
		Checkpoint.Sgd sgd = new Checkpoint.Sgd(p.context.length);
		Path ckpt = Checkpoint.pathFor(out);
		int start = resume && Files.isRegularFile(ckpt) ? Checkpoint.load(ckpt, p, sgd, cfg, seen, backboneSha256) : 0;
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
			sgd.apply(p, g, lr, cfg);
			recent = movingAverage(recent, g.losses());
			log.accept(new Step(it + 1, g.losses()[0], g.losses()[1], g.losses()[2], g.losses()[3], lr, p.tau1(), p.tau2,
				p.gprBias, (System.nanoTime() - t0) / 1e9));
			if ((it + 1) % cfg.checkpointEvery() == 0 || it + 1 == cfg.iterations()) Checkpoint.save(ckpt, p, sgd, it + 1,
				cfg, backboneSha256);
		}
		progress.update("training prompts", cfg.iterations(), cfg.iterations());
		p.losses = lossSummary(recent);
		p.save(out);
		Files.deleteIfExists(ckpt); // the run is complete: nothing left to resume
		return p;
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
