package org.mvpseg.segment;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.mvpseg.clip.ClipModel;
import org.mvpseg.clip.TextEmbeddings;
import org.mvpseg.models.ModelCache;
import org.mvpseg.runtime.Progress;

import java.util.List;

/**
 * MaskCLIP's zero-shot classifier (docs/formulas.md §4): for each class, every template filled with the
 * name is encoded and L2-normalised, the mean is normalised again; a pixel's score is the cosine of
 * its dense feature with each class, and its probability softmax(logit_scale · cosine). Optional
 * prompt denoising drops, per window, classes whose best softmax(100·score) stays below a threshold.
 */
public final class ZeroShotClassifier implements PixelClassifier {

	private final List<String> names;
	private final NDManager manager;
	private final NDArray text; // [E, C], normalised columns
	private final float scale;
	private final boolean ownScale; // the model's logit scale, not one asked for
	private final double denoise, keySmoothing;
	private final int templateCount;

	/**
	 * With the class-name embeddings in memory only (see the next constructor), the model's logit scale and no
	 * key smoothing.
	 *
	 * @param denoiseThreshold MaskCLIP prompt denoising threshold (0.5 in MaskCLIP), or 0 for none
	 */
	public ZeroShotClassifier(ClipModel model, List<String> classNames, List<String> templates,
		double denoiseThreshold, NDManager parent, Progress progress)
	{
		this(model, null, classNames, templates, denoiseThreshold, 0, 0, parent, progress);
	}

	/**
	 * @param disk where class-name embeddings are also kept, so a new process does not encode names again ({@link
	 *          #besideModelCache} gives the usual place), or null: only in the model's own cache ({@link TextEmbeddings})
	 * @param denoiseThreshold MaskCLIP prompt denoising threshold (0.5 in MaskCLIP), or 0 for none
	 * @param keySmoothingThreshold MaskCLIP key smoothing: positions whose best probability is below
	 *          this are replaced by the key-affinity-weighted sum of all positions' probabilities
	 *          (1.0 in MaskCLIP's configurations), or 0 for none
	 * @param temperature the scale of the final softmax over classes (the peers use fixed ones: SCLIP and
	 *          NACLIP 40, ClearCLIP 50), or 0 for the model's own logit scale (100 for OpenAI's). Only the
	 *          probabilities change, never the labels; denoising and key smoothing keep MaskCLIP's 100.
	 */
	public ZeroShotClassifier(ClipModel model, TextEmbeddings.Disk disk, List<String> classNames,
		List<String> templates, double denoiseThreshold, double keySmoothingThreshold, double temperature,
		NDManager parent, Progress progress)
	{
		this.keySmoothing = keySmoothingThreshold;
		this.ownScale = temperature <= 0;
		this.names = List.copyOf(classNames);
		this.scale = temperature > 0 ? (float) temperature : model.logitScale();
		this.denoise = denoiseThreshold;
		this.templateCount = templates.size();
		int e = model.config().embedDim(), c = names.size();
		progress.checkCancelled();
		float[][] f = model.textEmbeddings().of(templates, names, disk, done -> {
			progress.checkCancelled();
			progress.update("encoding class names", done, c);
		});
		float[] all = new float[e * c];
		for (int k = 0; k < c; k++) for (int i = 0; i < e; i++) all[i * c + k] = f[k][i];
		this.manager = parent.newSubManager(); // after the names: a cancelled encoding leaves nothing behind
		text = manager.create(all, new Shape(e, c));
	}

	/**
	 * The on-disk cache of class-name embeddings in {@code cache}'s folder ({@code text-embeddings/}), for weights of
	 * this identity — one that changes whenever the weights do (best {@code WeightIdentity}'s tensor SHA-256).
	 */
	public static TextEmbeddings.Disk besideModelCache(ModelCache cache, String weightsIdentity) {
		return new TextEmbeddings.Disk(cache.dir().resolve("text-embeddings"), weightsIdentity);
	}

	/** One view: the template ensemble's normalised mean per class, [1, C, E]. */
	@Override
	public java.util.Optional<Embeddings> embeddings() {
		NDArray t = text.transpose().toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
		return java.util.Optional.of(new Embeddings(1, (int) t.getShape().get(1), t.toFloatArray()));
	}

	@Override
	public List<String> classNames() {
		return names;
	}

	@Override
	public NDArray scores(NDArray features) {
		NDArray f = features.div(features.norm(new int[] { -1 }, true));
		NDArray s = f.matMul(text).transpose(0, 3, 1, 2); // [B, C, h, w] cosines
		if (denoise <= 0) return s;
		// MaskCLIP: a class whose best softmax(100·s) in this window is below the threshold gets -100.
		long b = s.getShape().get(0), c = s.getShape().get(1);
		NDArray best = s.mul(100f).softmax(1).reshape(b, c, -1).max(new int[] { 2 }); // [B, C]
		NDArray drop = best.lt(denoise).reshape(b, c, 1, 1).broadcast(s.getShape());
		return ai.djl.ndarray.NDArrays.where(drop, s.zerosLike().sub(100f), s);
	}

	@Override
	public boolean usesKeys() {
		return keySmoothing > 0;
	}

	/** With key smoothing the scores are already (smoothed) probabilities: softmax(100·cosine), then smoothed. */
	@Override
	public NDArray scores(NDArray features, NDArray keys) {
		NDArray s = scores(features);
		if (keySmoothing <= 0) return s;
		long b = s.getShape().get(0), c = s.getShape().get(1), h = s.getShape().get(2), w = s.getShape().get(3);
		NDArray p = org.mvpseg.clip.Nn.times(s, 100).softmax(1).reshape(b, c, h * w);
		return keySmooth(p, keys.reshape(b, h * w, -1), keySmoothing).reshape(b, c, h, w);
	}

	/**
	 * MaskCLIP's key smoothing (refine_output in its maskclip_head.py): positions whose highest class
	 * probability is below {@code threshold} take Σ_j ⟨k̂_i, k̂_j⟩ p_j instead of their own p_i, where k̂ is
	 * the keys L2-normalised over positions, per channel (PyTorch's F.normalize at its default dim=1 of
	 * MaskCLIP's [N, HW, C] keys; docs/formulas.md §4).
	 *
	 * @param p [B, C, N] probabilities
	 * @param keys [B, N, K]
	 * @return [B, C, N] the refined score map
	 */
	static NDArray keySmooth(NDArray p, NDArray keys, double threshold) {
		NDArray k = keys.div(keys.norm(new int[] { 1 }, true).maximum(1e-12f)); // F.normalize's eps
		NDArray weight = k.matMul(k.transpose(0, 2, 1)); // [B, N, N]
		NDArray pt = p.transpose(0, 2, 1); // [B, N, C]
		NDArray smoothed = weight.matMul(pt);
		NDArray low = pt.max(new int[] { -1 }, true).lt(threshold).broadcast(pt.getShape());
		return ai.djl.ndarray.NDArrays.where(low, smoothed, pt).transpose(0, 2, 1);
	}

	@Override
	public void toProbabilities(float[][] scores, int offset, int n) {
		if (keySmoothing <= 0) softmax(scores, offset, n, scale);
		else refinedToProbabilities(scores, offset, n);
	}

	/**
	 * Key smoothing's refined map (probabilities where confident, affinity-weighted sums elsewhere) to
	 * probabilities that keep its argmax, the label MaskCLIP gives: negative values clipped to 0 and the rest
	 * renormalised; where no value is positive, softmax of the refined values.
	 */
	static void refinedToProbabilities(float[][] scores, int offset, int n) {
		int classes = scores.length;
		for (int i = offset; i < offset + n; i++) {
			double sum = 0;
			for (int c = 0; c < classes; c++) sum += Math.max(0, scores[c][i]);
			if (sum <= 0) {
				softmax(scores, i, 1, 1);
				continue;
			}
			for (int c = 0; c < classes; c++) scores[c][i] = (float) (Math.max(0, scores[c][i]) / sum);
		}
	}

	/** Per-pixel softmax over classes of {@code scale · scores}, in place. */
	public static void softmax(float[][] scores, int offset, int n, float scale) {
		int classes = scores.length;
		for (int i = offset; i < offset + n; i++) {
			float max = Float.NEGATIVE_INFINITY;
			for (int c = 0; c < classes; c++) max = Math.max(max, scale * scores[c][i]);
			double sum = 0;
			for (int c = 0; c < classes; c++) {
				float v = (float) Math.exp(scale * scores[c][i] - max);
				scores[c][i] = v;
				sum += v;
			}
			float inv = (float) (1 / sum);
			for (int c = 0; c < classes; c++) scores[c][i] *= inv;
		}
	}

	@Override
	public String method() {
		return "zero-shot";
	}

	@Override
	public String describe() {
		return "zero-shot MaskCLIP, " + templateCount + " template(s), softmax scale " + String.format(java.util.Locale.ROOT,
			"%.2f", scale) + (ownScale ? " (the model's logit scale)" : " (temperature asked for)")
			+ (denoise > 0 ? ", prompt denoising " + denoise : "") + (keySmoothing > 0 ? ", key smoothing " + keySmoothing
				: "");
	}

	@Override
	public void close() {
		manager.close();
	}
}
