package org.mvpseg.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.nn.pooling.Pool;

import java.util.function.Function;

/**
 * The few layer functions CLIP is made of, in PyTorch's semantics. The activation is always the
 * first operand, so every result belongs to the caller's (scoped) manager and never to the frozen
 * weights' manager — which is capped, so a violation fails loudly instead of leaking.
 */
public final class Nn {

	private Nn() {}

	/** {@code x @ w.T + b}, PyTorch weight layout [out, in]. */
	static NDArray linear(NDArray x, NDArray w, NDArray b) {
		return b == null ? Linear.linear(x, w).singletonOrThrow() : Linear.linear(x, w, b).singletonOrThrow();
	}

	/** LayerNorm over the last axis, eps 1e-5. */
	static NDArray layerNorm(NDArray x, NDArray gamma, NDArray beta) {
		return layerNorm(x, gamma, beta, 1e-5f);
	}

	/** LayerNorm over the last axis with the given eps (timm's ViT: 1e-6). */
	static NDArray layerNorm(NDArray x, NDArray gamma, NDArray beta, float eps) {
		return LayerNorm.layerNorm(x, new Shape(gamma.getShape().get(0)), gamma, beta, eps).singletonOrThrow();
	}

	/** The exact GELU x·Φ(x) (torch.nn.GELU(), BERT's "gelu"). Consumes {@code x}. */
	static NDArray gelu(NDArray x) {
		NDArray y = Activation.gelu(x);
		x.close();
		return y;
	}

	/** SiLU(x) = x·sigmoid(x) (QuickGELU once 1.702 is folded into the weights). Consumes {@code x}. */
	static NDArray silu(NDArray x) {
		NDArray s = Activation.sigmoid(x);
		// in place only where autograd keeps nothing
		NDArray y = recording(x) ? x.mul(s) : s.muli(x);
		if (y == s) {
			x.close();
			return y;
		}
		free(x, s);
		return y;
	}

	/**
	 * {@code a + b}; consumes {@code a} (a temporary), reusing its buffer when no gradient flows.
	 */
	static NDArray addInto(NDArray a, NDArray b) {
		if (!recording(a)) return a.addi(b);
		NDArray y = a.add(b);
		a.close();
		return y;
	}

	/**
	 * A copy in libtorch-owned memory. Arrays made from Java data wrap that data without copying;
	 * if autograd saves one for the backward pass (an index, a mask) and the Java side is released
	 * first, the graph reads freed memory. Anything that may be saved for backward goes through this.
	 */
	public static NDArray owned(NDArray fromJava) {
		NDArray copy = fromJava.duplicate();
		fromJava.close();
		return copy;
	}

	/**
	 * {@code x · v}. DJL's {@code mul(Number)} wraps the number in a Java-backed array and frees it
	 * right after the op; autograd saves that operand for the backward pass, which then reads freed
	 * memory (seen as non-reproducible training). Here the scalar lives in libtorch memory.
	 */
	public static NDArray times(NDArray x, double v) {
		return x.mul(scalar(x, v));
	}

	/** {@code x / v}, safe under autograd (see {@link #times}). */
	public static NDArray dividedBy(NDArray x, double v) {
		return x.div(scalar(x, v));
	}

	private static NDArray scalar(NDArray like, double v) {
		return owned(like.getManager().create((float) v).toType(like.getDataType(), false));
	}

	/**
	 * Whether autograd may be recording ops on this thread. In-place updates are used only when it
	 * is not: they would invalidate tensors saved for the backward pass. (DJL's hasGradient() is
	 * false for non-leaf tensors, so it cannot tell.)
	 */
	static boolean recording(NDArray x) {
		return !(x instanceof ai.djl.pytorch.engine.PtNDArray) || ai.djl.pytorch.jni.JniUtils.isGradMode();
	}

	/**
	 * Closes temporaries as soon as they are used, not at the end of the scope: a freed buffer is
	 * reused by the next allocation while still in cache. (Autograd keeps its own references.)
	 */
	static void free(NDArray... temps) {
		for (NDArray t : temps) if (t != null) t.close();
	}

	static NDArray conv2d(NDArray x, NDArray w, NDArray b, int stride, int pad) {
		return Conv2d.conv2d(x, w, b, new Shape(stride, stride), new Shape(pad, pad), new Shape(1, 1), 1)
			.singletonOrThrow();
	}

	static NDArray avgPool(NDArray x, int k) {
		return Pool.avgPool2d(x, new Shape(k, k), new Shape(k, k), new Shape(0, 0), false, true);
	}

	/**
	 * Runs {@code body} with everything it creates in a fresh sub-manager of {@code input}'s manager;
	 * only the result survives, attached to that manager. Native memory does not grow across calls.
	 */
	static NDArray scoped(NDArray input, Function<NDArray, NDArray> body) {
		NDManager caller = input.getManager();
		try (NDManager scope = caller.newSubManager()) {
			input.tempAttach(scope);
			NDArray out = body.apply(input);
			out.attach(caller);
			return out;
		}
	}

	/**
	 * Replaces {@code x} by {@code step(x)}, freeing {@code x} and the step's temporaries at once
	 * (one layer's peak memory instead of the whole network's). {@code x} must be a temporary.
	 */
	static NDArray step(NDArray x, Function<NDArray, NDArray> step) {
		NDManager owner = x.getManager();
		try (NDManager layer = owner.newSubManager()) {
			x.attach(layer);
			NDArray y = step.apply(x);
			y.attach(owner);
			return y;
		}
	}
}
