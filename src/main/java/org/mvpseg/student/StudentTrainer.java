package org.mvpseg.student;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.google.gson.JsonObject;
import org.mvpseg.clip.Nn;
import org.mvpseg.clip.io.RawTensor;
import org.mvpseg.clip.io.SafetensorsWriter;
import org.mvpseg.mvp.Checkpoint;
import org.mvpseg.mvp.Gpr;
import org.mvpseg.mvp.MvpHead;
import org.mvpseg.mvp.MvpLosses;
import org.mvpseg.mvp.Sgd;
import org.mvpseg.runtime.Progress;
import org.mvpseg.runtime.Torch;
import org.mvpseg.segment.PixelClassifier;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Random;
import java.util.function.Consumer;

/**
 * MVP-SEG+ (docs/formulas.md §8), as MaskCLIP+: a student learns from the teacher's labels of unlabeled (or
 * partly annotated) images for {@code teacherIterations}, then from its own detached predictions (self-training).
 * Cross-entropy with ignored pixels; SGD with momentum and weight decay, poly learning rate. Every random choice
 * of iteration t comes from (seed, t), so {@code --resume} from a checkpoint continues bit for bit.
 */
public final class StudentTrainer {

	/**
	 * Hyper-parameters, built by name ({@link #builder}). The components are what students and checkpoints record
	 * ({@code training}, a checkpoint's {@code run}): renaming one would make older checkpoints unresumable.
	 *
	 * @param iterations all iterations; the first {@code teacherIterations} learn from the teacher's labels
	 * @param memoryBudget bytes of trunk features kept in memory; the rest go to a temporary file
	 * @param gpr whether the student weighs its scores by its teacher's GPR g_c (teachers with learned prompts), in
	 *          training and when it segments
	 * @param classBalance α of the class weights (C · n_c / n)^−α over the teacher's labels: 0 off, ½ square root, 1
	 *          inverse frequency (the default)
	 */
	public record Config(int iterations, int teacherIterations, int batch, long seed, double lr, double minLr,
		double power, double momentum, double weightDecay, boolean flip, int checkpointEvery, long memoryBudget,
		boolean fineTuneLastBlock, double blockLrFactor, boolean gpr, double classBalance)
	{
		/** For a user's folder: MaskCLIP+'s VOC schedule scaled down ten times, the teacher's labels throughout. */
		public static Config defaults() {
			return builder().build();
		}

		public static Builder builder() {
			return new Builder();
		}

		public Config {
			if (iterations < 1 || teacherIterations < 0 || teacherIterations > iterations || batch < 1 || checkpointEvery < 1)
				throw new org.mvpseg.runtime.RequestException("Need iterations ≥ 1, 0 ≤ teacher iterations ≤ iterations, "
					+ "batch ≥ 1 and a checkpoint interval ≥ 1.");
			if (!(classBalance >= 0 && classBalance <= 1)) throw new org.mvpseg.runtime.RequestException("The class "
				+ "balance must be from 0 (off) to 1 (inverse frequency); got " + classBalance + ".");
			if (!(blockLrFactor >= 0)) throw new org.mvpseg.runtime.RequestException("The last block's learning-rate "
				+ "factor must not be negative.");
			if (!(lr > 0) || minLr < 0 || minLr > lr || momentum < 0 || momentum >= 1 || weightDecay < 0)
				throw new org.mvpseg.runtime.RequestException("Need lr > 0, 0 ≤ min lr ≤ lr, 0 ≤ momentum < 1 and "
					+ "weight decay ≥ 0.");
		}

		/** The values by name; each setter replaces one. */
		public static final class Builder extends org.mvpseg.mvp.TrainingBuilder<Builder> {
			private int teacherIterations = AUTOMATIC;
			private long memoryBudget = 1L << 30;
			private double minLr = 1e-4, power = 0.9, blockLrFactor = 0.1, classBalance = 1;
			private boolean fineTuneLastBlock, gpr = true;

			/** Teacher iterations not given: {@link #automaticTeacherIterations}. */
			private static final int AUTOMATIC = -1;

			private Builder() {
				super(2000, 8, 0.01, 5e-4);
			}

			/** How many of the iterations learn the teacher's labels; negative: automatic. */
			public Builder teacherIterations(int n) {
				teacherIterations = n < 0 ? AUTOMATIC : n;
				return this;
			}

			/** The poly schedule's end and power (from the learning rate to {@code minLr}). */
			public Builder poly(double minLr, double power) {
				this.minLr = minLr;
				this.power = power;
				return this;
			}

			/** Bytes of trunk features kept in memory (0: all on disk). */
			public Builder memoryBudget(long bytes) {
				memoryBudget = bytes;
				return this;
			}

			/** Fine-tune CLIP's last block too, at {@code factor} × the learning rate. */
			public Builder fineTuneLastBlock(boolean on, double factor) {
				fineTuneLastBlock = on;
				blockLrFactor = factor;
				return this;
			}

			public Builder fineTuneLastBlock(boolean on) {
				fineTuneLastBlock = on;
				return this;
			}

			/** Whether the student weighs its scores by its teacher's g_c (on by default; zero-shot teachers have none). */
			public Builder gpr(boolean on) {
				gpr = on;
				return this;
			}

			/** α of the class weights (C · n_c / n)^−α: 0 off, ½ square root, 1 inverse frequency (the default). */
			public Builder classBalance(double alpha) {
				classBalance = alpha;
				return this;
			}

			public Config build() {
				int teacher = teacherIterations == AUTOMATIC ? automaticTeacherIterations(iterations) : teacherIterations;
				return new Config(iterations, teacher, batch, seed, lr, minLr, power, momentum, weightDecay, flip,
					checkpointEvery, memoryBudget, fineTuneLastBlock, blockLrFactor, gpr, classBalance);
			}
		}

		/**
		 * All iterations on the teacher's labels, with or without annotated pixels: on the toy world self-training
		 * lost unseen classes in both settings — without annotations it collapsed onto a few classes, and after
		 * MaskCLIP+'s 10 % in the transductive setting the unseen mIoU fell below the teacher's while the teacher's
		 * labels throughout raised it (README › MVP-SEG+). MaskCLIP+'s schedule stays one option away.
		 */
		public static int automaticTeacherIterations(int iterations) {
			return iterations;
		}

		/** mmseg's poly schedule: (lr − min) · (1 − t/T)^power + min. */
		double learningRate(int it) {
			return (lr - minLr) * Math.pow(1 - it / (double) iterations, power) + minLr;
		}

		JsonObject toJson() {
			return new com.google.gson.Gson().toJsonTree(this).getAsJsonObject();
		}

		public String describe() {
			return String.format(Locale.ROOT, "%d iterations (%s), batch %d, lr %.4g poly %.2f to %.4g, momentum %.2f, "
				+ "weight decay %.4g, flip %s, seed %d, class balance %s, %s", iterations, schedule(), batch, lr, power,
				minLr, momentum, weightDecay, flip ? "on" : "off", seed, classBalance == 0 ? "off" : String.format(Locale
					.ROOT, "%.2g (weights (share × classes)^-%.2g)", classBalance, classBalance), fineTuneLastBlock ? String.format(Locale.ROOT, "last block "
					+ "fine-tuned at %.3g × lr", blockLrFactor) : "trunk frozen") + (gpr ? "" : ", teacher's GPR not used");
		}

		/** The two phases in words: one of them may take every iteration. */
		private String schedule() {
			if (teacherIterations == iterations) return "teacher labels throughout";
			if (teacherIterations == 0) return "self-training throughout";
			return "teacher labels for the first " + teacherIterations + ", then self-training";
		}
	}

	/** One iteration as logged: phase 1 = teacher labels, 2 = the student's own. */
	public record Step(int iteration, int phase, double loss, double lr, double seconds) {
		public String line() {
			return String.format(Locale.ROOT, "iter %d phase %d loss %.4f lr %.2e (%.2f s)", iteration, phase, loss, lr,
				seconds);
		}
	}

	private final Teacher teacher;
	private final Config cfg;

	/** @param teacher the teacher's prepared pipeline (learned prompts or zero-shot) over the student's classes */
	public StudentTrainer(Teacher teacher, Config cfg) {
		this.teacher = teacher;
		this.cfg = cfg;
	}

	/**
	 * Trains and writes the student to {@code out} (a checkpoint beside it while running).
	 *
	 * @param unseen the classes a transductive pixel may take (those the teacher's prompts were not trained on)
	 */
	public StudentFile train(List<StudentData.Source> sources, List<String> unseen, Path out, boolean resume,
		Consumer<Step> log, Progress progress) throws IOException
	{
		List<String> classes = teacher.classes();
		String identity = teacher.weightsIdentity();
		PixelClassifier.Embeddings emb = teacher.embeddings();
		Gpr gpr = cfg.gpr() ? teacher.gpr().orElse(null) : null;
		boolean[] isUnseen = new boolean[classes.size()];
		for (int c = 0; c < classes.size(); c++) isUnseen[c] = unseen.contains(classes.get(c));
		StudentHead head = StudentHead.initial(emb.width(), cfg.seed());
		float[][] block = null;
		if (cfg.fineTuneLastBlock()) {
			org.mvpseg.clip.LastBlock.requireSupported(teacher.denseMode(), teacher.model().config().vit());
			block = org.mvpseg.clip.LastBlock.initial(teacher.model());
		}
		Params params = new Params(head, block);
		Sgd sgd = Sgd.of(params.all);
		Path ckpt = Checkpoint.pathFor(out);
		int start = resume && Files.exists(ckpt) ? restore(ckpt, params.all, sgd, run(classes, unseen, identity)) : 0;
		double last = Double.NaN;
		float[] weights;
		try (StudentData data = StudentData.prepare(teacher, sources, isUnseen, cfg
			.memoryBudget(), out.resolveSibling("." + out.getFileName() + ".features.tmp"), block != null, progress))
		{
			weights = classWeights(data.tiles, classes.size(), cfg.classBalance());
			for (int it = start; it < cfg.iterations(); it++) {
				progress.checkCancelled();
				progress.update("training the student", it, cfg.iterations());
				long t0 = System.nanoTime();
				double lr = cfg.learningRate(it);
				last = step(params, sgd, data, emb, gpr, weights, isUnseen, it, lr);
				log.accept(new Step(it + 1, it < cfg.teacherIterations() ? 1 : 2, last, lr, (System.nanoTime() - t0) / 1e9));
				if ((it + 1) % cfg.checkpointEvery() == 0 && it + 1 < cfg.iterations()) CHECKPOINT.save(ckpt, it + 1,
					tensors(params.all, sgd), run(classes, unseen, identity));
			}
		}
		JsonObject losses = new JsonObject();
		losses.addProperty("final", last);
		JsonObject training = cfg.toJson();
		if (weights != null) {
			JsonObject w = new JsonObject(); // what the balance came to, for the user to judge (README › MVP-SEG+)
			for (int c = 0; c < classes.size(); c++) w.addProperty(classes.get(c), weights[c]);
			training.add("class_weights", w);
		}
		StudentFile f = new StudentFile(head, block, emb.values(), emb.views(), gpr, classes, unseen, identity, teacher
			.denseMode(), teacher.describe(), training, losses);
		f.save(out);
		Files.deleteIfExists(ckpt);
		return f;
	}

	private static final Checkpoint CHECKPOINT = new Checkpoint("mvp-seg-student-checkpoint", "student checkpoint",
		"delete it and run transfer again without --resume (or with --overwrite)", "settings, classes, weights or "
			+ "teacher");

	/** What a checkpoint must agree on to be resumed: every value of the run, in one JSON. */
	private Map<String, String> run(List<String> classes, List<String> unseen, String identity) {
		JsonObject m = cfg.toJson();
		m.add("classes", new com.google.gson.Gson().toJsonTree(classes));
		m.add("unseen", new com.google.gson.Gson().toJsonTree(unseen));
		m.addProperty("weights", identity);
		m.addProperty("teacher", teacher.describe());
		return Map.of("run", m.toString());
	}

	/** The parameters (head, then the fine-tuned last block if any) and their velocities, each stored flat. */
	private static Map<String, RawTensor> tensors(float[][] params, Sgd sgd) {
		Map<String, RawTensor> t = new LinkedHashMap<>();
		for (int i = 0; i < params.length; i++) {
			t.put("p" + i, SafetensorsWriter.f32("p" + i, params[i], params[i].length));
			t.put("v" + i, SafetensorsWriter.f32("v" + i, sgd.velocity(i), params[i].length));
		}
		return t;
	}

	/** Restores parameters and velocities from this run's checkpoint; returns the iteration to continue from. */
	private int restore(Path ckpt, float[][] params, Sgd sgd, Map<String, String> run) throws IOException {
		Checkpoint.Opened c = CHECKPOINT.open(ckpt, run, cfg.iterations());
		for (int i = 0; i < params.length; i++) {
			System.arraycopy(c.floats("p" + i, params[i].length), 0, params[i], 0, params[i].length);
			System.arraycopy(c.floats("v" + i, params[i].length), 0, sgd.velocity(i), 0, params[i].length);
		}
		if (c.tensors().containsKey("p" + params.length)) throw c.file().damaged("it holds more tensors than this run "
			+ "trains");
		return c.iteration();
	}

	/** The head's tensors, then the fine-tuned last block's (if any): what SGD updates and checkpoints hold. */
	private static final class Params {
		final StudentHead head;
		final float[][] block, all;

		Params(StudentHead head, float[][] block) {
			this.head = head;
			this.block = block;
			List<float[]> l = new java.util.ArrayList<>(List.of(head.params));
			if (block != null) l.addAll(List.of(block));
			all = l.toArray(new float[0][]);
		}
	}

	/** One SGD step on a batch of tiles; returns the loss. */
	private double step(Params params, Sgd sgd, StudentData data, PixelClassifier.Embeddings emb, Gpr gpr,
		float[] weights, boolean[] unseen, int it, double lr) throws IOException
	{
		Random rnd = new Random(cfg.seed() * 0x9E3779B97F4A7C15L + it);
		int b = cfg.batch(), cells = data.cells, w = data.width, tile = data.tile, e = emb.width();
		float[] cached = new float[b * cells * cells * w];
		StudentData.Tile[] picked = new StudentData.Tile[b];
		boolean[] flip = new boolean[b];
		for (int i = 0; i < b; i++) {
			int t = rnd.nextInt(data.tiles.size());
			picked[i] = data.tiles.get(t);
			flip[i] = cfg.flip() && rnd.nextBoolean();
			copyFeatures(data.features(t), cached, i * cells * cells * w, cells, w, flip[i]);
		}
		try (NDManager m = Torch.newManager()) {
			NDArray c = Nn.owned(m.create(cached, params.block == null ? new Shape(b, cells, cells, w) : new Shape(b, cells
				* cells, w)));
			NDArray embeddings = Nn.owned(m.create(emb.values(), new Shape(emb.views(), emb.values().length / (emb
				.views() * e), e)));
			List<NDArray> head = params.head.arrays(m);
			List<NDArray> block = params.block == null ? List.of() : org.mvpseg.clip.LastBlock.arrays(m, params.block, w, e);
			boolean own = it >= cfg.teacherIterations();
			// before any parameter records gradients: the features g_c and the student's own labels are read from
			NDArray fixed = gpr != null || own ? features(c, block, cells) : null;
			NDArray logG = gpr == null ? null : logPresence(gpr, fixed); // fixed, as the teacher's
			int[] labels = own ? ownLabels(fixed, head, embeddings, logG, picked, flip, unseen, tile) : teacherLabels(
				picked, flip, tile);
			List<NDArray> all = new java.util.ArrayList<>(head);
			all.addAll(block);
			for (NDArray a : all) a.setRequiresGradient(true);
			double loss;
			try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
				NDArray logits = StudentHead.forward(features(c, block, cells), head, embeddings);
				NDArray up = withPresence(logits.getNDArrayInternal().interpolation(new long[] { tile, tile }, 1, false),
					logG);
				NDArray l = MvpLosses.crossEntropy(up.logSoftmax(1), labels, tile, tile, weights);
				loss = l.toType(DataType.FLOAT64, false).getDouble();
				gc.backward(l);
			}
			if (!Double.isFinite(loss)) throw new IllegalStateException("The student's training diverged at iteration "
				+ (it + 1) + " (loss " + loss + "); nothing was written. Train again with a lower --lr"
				+ (params.block != null ? " or --block-lr-factor" : "") + ".");
			float[][] grads = new float[all.size()][];
			double[] rates = new double[all.size()];
			for (int i = 0; i < all.size(); i++) {
				grads[i] = all.get(i).getGradient().toFloatArray();
				rates[i] = i < head.size() ? lr : lr * cfg.blockLrFactor();
			}
			if (params.block != null) clip(grads, head.size(), BLOCK_GRADIENT_NORM);
			sgd.step(params.all, grads, rates, cfg.momentum(), cfg.weightDecay());
			return loss;
		}
	}

	/**
	 * Per class w_c = (C · n_c / n)^−α over the labels of every tile (the teacher's, and the annotations where given),
	 * 1 for a class at its fair share; null when α = 0. Without it the student drifted to the classes the teacher
	 * labels most and gave up those it labels rarely (docs/formulas.md §8). Classes never labelled get weight 0 (they
	 * have no pixel to weigh).
	 */
	static float[] classWeights(List<StudentData.Tile> tiles, int classes, double alpha) {
		if (alpha == 0) return null;
		long[] n = new long[classes];
		long all = 0;
		for (StudentData.Tile t : tiles)
			for (int l : t.teacher())
				if (l != MvpLosses.IGNORE) {
					n[l]++;
					all++;
				}
		float[] w = new float[classes];
		for (int c = 0; c < classes; c++) w[c] = n[c] == 0 ? 0f : (float) Math.pow(n[c] * (double) classes / all, -alpha);
		return w;
	}

	/**
	 * The last block's gradients are clipped to this global L2 norm: on the toy world an occasional step 100× larger
	 * than the rest threw its LayerNorm weights from 1 to 30 and the run diverged soon after.
	 */
	static final double BLOCK_GRADIENT_NORM = 1.0;

	/** Scales {@code grads[from..]} down to a global L2 norm of at most {@code max}. */
	static void clip(float[][] grads, int from, double max) {
		double sq = 0;
		for (int i = from; i < grads.length; i++) for (float g : grads[i]) sq += (double) g * g;
		double norm = Math.sqrt(sq);
		if (norm <= max) return;
		float f = (float) (max / norm);
		for (int i = from; i < grads.length; i++) for (int j = 0; j < grads[i].length; j++) grads[i][j] *= f;
	}

	/**
	 * The cached features, or the fine-tuned last block's features of the cached tokens (the block built here, so that
	 * inside the gradient collector its QuickGELU fold is recorded too).
	 */
	private NDArray features(NDArray cached, List<NDArray> block, int cells) {
		return block.isEmpty() ? cached : org.mvpseg.clip.LastBlock.of(teacher.model(), block).features(cached, teacher
			.denseMode(), cells, cells);
	}

	/** Copies a tile's [cells, cells, E] features, mirrored left–right if asked. */
	static void copyFeatures(float[] src, float[] dst, int off, int cells, int e, boolean flip) {
		for (int y = 0; y < cells; y++)
			for (int x = 0; x < cells; x++)
				System.arraycopy(src, (y * cells + x) * e, dst, off + (y * cells + (flip ? cells - 1 - x : x)) * e, e);
	}

	static int[] teacherLabels(StudentData.Tile[] tiles, boolean[] flip, int tile) {
		int n = tile * tile;
		int[] out = new int[tiles.length * n];
		for (int i = 0; i < tiles.length; i++)
			for (int y = 0; y < tile; y++)
				for (int x = 0; x < tile; x++)
					out[i * n + y * tile + (flip[i] ? tile - 1 - x : x)] = tiles[i].teacher()[y * tile + x];
		return out;
	}

	/**
	 * Self-training labels: the student's own argmax (detached) where the teacher had labelled a pixel, over
	 * the unseen classes only on transductive tiles; annotated pixels keep their ground truth.
	 */
	static int[] ownLabels(NDArray f, List<NDArray> p, NDArray embeddings, NDArray logG, StudentData.Tile[] tiles,
		boolean[] flip, boolean[] unseen, int tile)
	{
		float[] s;
		boolean prev = Torch.setGradMode(false);
		try {
			NDArray up = withPresence(StudentHead.forward(f, p, embeddings).getNDArrayInternal().interpolation(new long[] {
				tile, tile }, 1, false), logG);
			s = up.toType(DataType.FLOAT32, false).toFloatArray();
		}
		finally {
			Torch.setGradMode(prev);
		}
		int n = tile * tile, classes = s.length / (tiles.length * n);
		int[] teacher = teacherLabels(tiles, flip, tile);
		int[] out = new int[teacher.length];
		for (int i = 0; i < tiles.length; i++) {
			int[] gt = tiles[i].groundTruth();
			for (int y = 0; y < tile; y++)
				for (int x = 0; x < tile; x++) {
					int at = i * n + y * tile + x, src = y * tile + (flip[i] ? tile - 1 - x : x);
					if (teacher[at] == MvpLosses.IGNORE) out[at] = MvpLosses.IGNORE;
					else if (gt[src] != MvpLosses.IGNORE) out[at] = gt[src];
					else out[at] = argmax(s, i * classes * n, n, y * tile + x, classes, tiles[i].transductive() ? unseen
						: null);
				}
		}
		return out;
	}

	/**
	 * log g_c of each tile, [B, C, 1, 1], without gradients: the teacher's presence is the student's fixed prior, so its
	 * head learns the per-pixel part of the teacher's labels, which local features can give (docs/formulas.md §8).
	 */
	static NDArray logPresence(Gpr gpr, NDArray features) {
		boolean prev = Torch.setGradMode(false);
		try {
			NDArray z = gpr.logits(features);
			return MvpHead.logSigmoid(z).reshape(z.getShape().get(0), z.getShape().get(1), 1, 1);
		}
		finally {
			Torch.setGradMode(prev);
		}
	}

	/** [B, C, h, w] logits + log g_c (unchanged without GPR): their softmax is the student's m_f · g_c, normalised. */
	static NDArray withPresence(NDArray logits, NDArray logG) {
		return logG == null ? logits : logits.add(logG);
	}

	private static int argmax(float[] s, int base, int n, int pixel, int classes, boolean[] allowed) {
		int best = -1;
		for (int c = 0; c < classes; c++)
			if ((allowed == null || allowed[c]) && (best < 0 || s[base + c * n + pixel] > s[base + best * n + pixel]))
				best = c;
		return best < 0 ? MvpLosses.IGNORE : best;
	}
}
