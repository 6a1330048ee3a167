package org.mvpseg.student;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import org.mvpseg.clip.Nn;

import java.util.List;
import java.util.Random;

/**
 * MVP-SEG+'s student (docs/formulas.md §8): a DeepLabv2 ASPP head on the frozen CLIP trunk's dense features,
 * whose classifier is the fixed prompt text embeddings, as MaskCLIP+:
 * <pre>
 * f(x)     = Σ_{d ∈ 6,12,18,24} ReLU(GroupNorm(conv3×3_d(F)))        F: [B, E, h, w] dense features
 * logit_c  = Σ_{k=1..K} ⟨f(x), t̂_k^c⟩                                  t̂: fixed, normalised; no temperature
 * </pre>
 * Parameters are plain float arrays (for SGD and files); {@link #forward} builds the differentiable graph.
 */
public final class StudentHead {

	/** DeepLabv2's ASPP rates (at output stride 8; here the trunk's patch grid). */
	public static final int[] DILATIONS = { 6, 12, 18, 24 };
	/** GroupNorm's groups (or fewer when the width is not a multiple): no batch statistics, any batch size. */
	static final int GROUPS = 32;

	final int width;
	/** Per branch: conv weight [E, E, 3, 3], conv bias [E], GroupNorm weight [E] and bias [E]. */
	final float[][] params;

	StudentHead(int width, float[][] params) {
		this.width = width;
		this.params = params;
		if (params.length != 4 * DILATIONS.length) throw new IllegalArgumentException("a student head has "
			+ 4 * DILATIONS.length + " parameter tensors");
	}

	/** Kaiming-normal convolutions (fan-in, ReLU gain), zero biases, GroupNorm γ = 1, β = 0; from {@code seed}. */
	static StudentHead initial(int width, long seed) {
		Random rnd = new Random(seed);
		float[][] p = new float[4 * DILATIONS.length][];
		double std = Math.sqrt(2.0 / (9.0 * width));
		for (int d = 0; d < DILATIONS.length; d++) {
			float[] w = new float[width * width * 9];
			for (int i = 0; i < w.length; i++) w[i] = (float) (rnd.nextGaussian() * std);
			p[4 * d] = w;
			p[4 * d + 1] = new float[width];
			p[4 * d + 2] = new float[width];
			java.util.Arrays.fill(p[4 * d + 2], 1f);
			p[4 * d + 3] = new float[width];
		}
		return new StudentHead(width, p);
	}

	/** The parameters as NDArrays in {@code m} (to set gradients on, or to run). */
	List<NDArray> arrays(NDManager m) {
		List<NDArray> l = new java.util.ArrayList<>();
		for (int i = 0; i < params.length; i++) l.add(Nn.owned(m.create(params[i], shape(i))));
		return l;
	}

	Shape shape(int i) {
		return i % 4 == 0 ? new Shape(width, width, 3, 3) : new Shape(width);
	}

	/**
	 * @param features [B, h, w, E] dense features (not normalised)
	 * @param p the parameters from {@link #arrays}
	 * @param embeddings [K, C, E] normalised text embeddings (fixed)
	 * @return [B, C, h, w] logits
	 */
	static NDArray forward(NDArray features, List<NDArray> p, NDArray embeddings) {
		NDArray x = features.transpose(0, 3, 1, 2); // [B, E, h, w]
		NDArray f = null;
		for (int d = 0; d < DILATIONS.length; d++) {
			int r = DILATIONS[d];
			NDArray y = Conv2d.conv2d(x, p.get(4 * d), p.get(4 * d + 1), new Shape(1, 1), new Shape(r, r), new Shape(r,
				r), 1).singletonOrThrow();
			y = Activation.relu(groupNorm(y, p.get(4 * d + 2), p.get(4 * d + 3)));
			f = f == null ? y : f.add(y);
		}
		NDArray classifier = embeddings.sum(new int[] { 0 }); // Σ_k t̂_k^c: [C, E]
		long b = f.getShape().get(0), e = f.getShape().get(1), h = f.getShape().get(2), w = f.getShape().get(3);
		NDArray flat = f.reshape(b, e, h * w).transpose(0, 2, 1); // [B, hw, E]
		return flat.matMul(classifier.transpose()).transpose(0, 2, 1).reshape(b, classifier.getShape().get(0), h, w);
	}

	/** GroupNorm over [B, E, h, w] with per-channel affine, eps 1e-5 (PyTorch's). */
	static NDArray groupNorm(NDArray x, NDArray gamma, NDArray beta) {
		long b = x.getShape().get(0), e = x.getShape().get(1), h = x.getShape().get(2), w = x.getShape().get(3);
		long g = groups(e);
		NDArray v = x.reshape(b, g, -1);
		NDArray mean = v.mean(new int[] { 2 }, true);
		NDArray centred = v.sub(mean);
		NDArray var = centred.square().mean(new int[] { 2 }, true);
		NDArray n = centred.div(var.add(1e-5f).sqrt()).reshape(b, e, h, w);
		return n.mul(gamma.reshape(1, e, 1, 1)).add(beta.reshape(1, e, 1, 1));
	}

	/** The largest divisor of {@code width} not above {@link #GROUPS}. */
	static long groups(long width) {
		for (long g = Math.min(GROUPS, width); g > 1; g--) if (width % g == 0) return g;
		return 1;
	}
}
