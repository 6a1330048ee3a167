package org.mvpseg.mvp;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.mvpseg.clip.Nn;
import ai.djl.ndarray.types.Shape;

/**
 * MVP-SEG's training losses (docs/formulas.md §5); only the prompts, τ₁, τ₂ (and b) receive gradients:
 * <pre>
 * L_seg = − mean over labelled pixels of log m_{c*}(x)          at input resolution (logits upsampled bilinearly)
 * L_cls = − Σ_c [ y_c log g_c + (1 − y_c) log(1 − g_c) ]        full BCE, y_c = class c present in the crop
 *                                                               (SigLIP's GPR form: the mean over classes instead)
 * L_OC  = Σ_{i<j≤K} |⟨p̄_i, p̄_j⟩| / (‖p̄_i‖ ‖p̄_j‖)                p̄_i = mean of prompt i's M context vectors
 * L     = λ₁ L_seg + λ₂ L_cls + λ₃ L_OC
 * </pre>
 */
public final class MvpLosses {

	/** Label value for pixels that do not count (unannotated, or unseen classes during training). */
	public static final int IGNORE = -1;

	private MvpLosses() {}

	/**
	 * @param fusedLogits [B, C, h, w]
	 * @param gprLogits [B, C]
	 * @param labels B·H·W class indices (or {@link #IGNORE}), row-major per image
	 */
	public static NDArray segmentation(NDArray fusedLogits, NDArray gprLogits, int[] labels, int height, int width) {
		NDArray up = fusedLogits;
		if (fusedLogits.getShape().get(2) != height || fusedLogits.getShape().get(3) != width)
			up = fusedLogits.getNDArrayInternal().interpolation(new long[] { height, width }, 1 /* bilinear */, false);
		return crossEntropy(MvpHead.logScores(up, gprLogits), labels, height, width);
	}

	/**
	 * − mean over labelled pixels of log p_{c*}(x): {@code logp} [B, C, H, W] log-probabilities, {@code labels}
	 * B·H·W class indices or {@link #IGNORE}. Also the MVP-SEG+ student's loss.
	 */
	public static NDArray crossEntropy(NDArray logp, int[] labels, int height, int width) {
		return crossEntropy(logp, labels, height, width, null);
	}

	/**
	 * As above with a weight per class (null: all 1): − Σ w_{c*} log p_{c*}(x) / Σ w_{c*} over labelled pixels, PyTorch's
	 * weighted mean.
	 */
	public static NDArray crossEntropy(NDArray logp, int[] labels, int height, int width, float[] weights) {
		long b = logp.getShape().get(0), c = logp.getShape().get(1);
		int plane = height * width;
		float[] onehot = new float[(int) (b * c * plane)];
		double labelled = 0;
		for (int i = 0; i < b; i++) {
			for (int x = 0; x < plane; x++) {
				int l = labels[i * plane + x];
				if (l == IGNORE) continue;
				if (l < 0 || l >= c) throw new IllegalArgumentException("label " + l + " outside 0.." + (c - 1));
				float w = weights == null ? 1f : weights[l];
				onehot[(int) ((i * c + l) * plane + x)] = w;
				labelled += w;
			}
		}
		NDManager m = logp.getManager();
		NDArray mask = Nn.owned(m.create(onehot, new Shape(b, c, height, width)).toType(logp.getDataType(), false));
		return Nn.dividedBy(logp.mul(mask).sum().neg(), labelled > 0 ? labelled : 1);
	}

	/** Full binary cross-entropy of g_c against class presence, summed over classes, averaged over images. */
	public static NDArray classification(NDArray gprLogits, float[] present) {
		long b = gprLogits.getShape().get(0);
		NDArray y = Nn.owned(gprLogits.getManager().create(present, gprLogits.getShape()).toType(gprLogits
			.getDataType(), false));
		NDArray pos = MvpHead.logSigmoid(gprLogits).mul(y);
		NDArray neg = MvpHead.logSigmoid(gprLogits.neg()).mul(y.neg().add(1));
		return Nn.dividedBy(pos.add(neg).sum().neg(), b);
	}

	/** Orthogonal Constraint Loss over the K segmentation prompts (row 0, the global prompt, is left out). */
	public static NDArray orthogonal(NDArray context) {
		long k = context.getShape().get(0) - 1;
		NDArray means = context.get("1:, :, :").mean(new int[] { 1 }); // [K, W]
		NDArray unit = means.div(means.norm(new int[] { 1 }, true));
		NDArray gram = unit.matMul(unit.transpose()).abs();
		float[] upper = new float[(int) (k * k)];
		for (int i = 0; i < k; i++) for (int j = i + 1; j < k; j++) upper[(int) (i * k + j)] = 1;
		NDArray mask = Nn.owned(gram.getManager().create(upper, new Shape(k, k)).toType(gram.getDataType(), false));
		return gram.mul(mask).sum();
	}

	/** Which classes occur among the labelled pixels of each image: B·C flags. */
	public static float[] presence(int[] labels, int images, int classes) {
		float[] y = new float[images * classes];
		int plane = labels.length / images;
		for (int i = 0; i < images; i++)
			for (int x = 0; x < plane; x++) {
				int l = labels[i * plane + x];
				if (l >= 0) y[i * classes + l] = 1;
			}
		return y;
	}

	/** Total and terms, with the weights λ. */
	public record Terms(NDArray total, NDArray seg, NDArray cls, NDArray oc) {
		public static Terms of(NDArray seg, NDArray cls, NDArray oc, double l1, double l2, double l3) {
			return new Terms(Nn.times(seg, l1).add(Nn.times(cls, l2)).add(Nn.times(oc, l3)), seg, cls, oc);
		}

		/**
		 * The whole MVP-SEG loss of a batch: dense features [B, h, w, E] and prompt text features
		 * [K+1, C, E] through the head, against labels at {@code height × width}.
		 *
		 * @param bias the GPR bias, or null for none
		 */
		public static Terms compute(NDArray features, NDArray text, NDArray context, NDArray tau1Log, NDArray tau2,
			NDArray bias, double gamma, int[] labels, int height, int width, double l1, double l2, double l3)
		{
			return compute(features, text, context, tau1Log, GprForm.PAPER, tau2, bias, gamma, labels, height, width, l1,
				l2, l3);
		}

		/** As above with GPR in {@code form}: {@code tau2} is then what that form learns (τ₂ or log τ₂). */
		public static Terms compute(NDArray features, NDArray text, NDArray context, NDArray tau1Log, GprForm form,
			NDArray tau2, NDArray bias, double gamma, int[] labels, int height, int width, double l1, double l2,
			double l3)
		{
			NDArray maps = MvpHead.maps(features, text);
			NDArray gpr = MvpHead.gprLogits(form, maps, gamma, tau2, bias);
			int images = (int) features.getShape().get(0), classes = (int) text.getShape().get(1);
			NDArray cls = classification(gpr, presence(labels, images, classes));
			if (form == GprForm.SIGLIP) cls = Nn.dividedBy(cls, classes); // mean over classes (GprForm)
			return of(segmentation(MvpHead.fusedLogits(maps, tau1Log), gpr, labels, height, width), cls, orthogonal(
				context), l1, l2, l3);
		}
	}
}
