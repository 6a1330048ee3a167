package org.mvpseg.clip;

import ai.djl.ndarray.NDArray;
import org.mvpseg.clip.io.WeightFormatException;

/**
 * One pre-norm transformer block: {@code x + attn(ln_1(x))}, then {@code x + mlp(ln_2(x))},
 * with PyTorch's {@code nn.MultiheadAttention} (stacked q,k,v in_proj; 1/sqrt(head_dim) scaling).
 * Activations are batch-first [B, L, W].
 */
final class ResidualAttentionBlock {

	final int width, heads;
	final NDArray ln1W, ln1B, inW, inB, outW, outB, ln2W, ln2B, fcW, fcB, projW, projB;
	/** The value rows of in_proj, for MaskCLIP's value path. */
	final NDArray vW, vB;

	ResidualAttentionBlock(Weights w, String p, int width, int heads) throws WeightFormatException {
		this.width = width;
		this.heads = heads;
		ln1W = w.get(p + "ln_1.weight", width);
		ln1B = w.get(p + "ln_1.bias", width);
		inW = w.get(p + "attn.in_proj_weight", 3L * width, width);
		inB = w.get(p + "attn.in_proj_bias", 3L * width);
		outW = w.get(p + "attn.out_proj.weight", width, width);
		outB = w.get(p + "attn.out_proj.bias", width);
		ln2W = w.get(p + "ln_2.weight", width);
		ln2B = w.get(p + "ln_2.bias", width);
		fcW = w.get(p + "mlp.c_fc.weight", 4L * width, width);
		fcB = w.get(p + "mlp.c_fc.bias", 4L * width);
		projW = w.get(p + "mlp.c_proj.weight", width, 4L * width);
		projB = w.get(p + "mlp.c_proj.bias", width);
		float[] in = w.floats(p + "attn.in_proj_weight", 3L * width, width);
		float[] inBias = w.floats(p + "attn.in_proj_bias", 3L * width);
		vW = w.create(java.util.Arrays.copyOfRange(in, 2 * width * width, 3 * width * width), width, width);
		vB = w.create(java.util.Arrays.copyOfRange(inBias, 2 * width, 3 * width), width);
	}

	/** @param mask additive [L, L] mask (causal for text) or null */
	NDArray forward(NDArray x, NDArray mask) {
		NDArray h = x.add(attention(Nn.layerNorm(x, ln1W, ln1B), mask));
		return h.add(mlp(h));
	}

	NDArray mlp(NDArray x) {
		NDArray y = Nn.linear(Nn.layerNorm(x, ln2W, ln2B), fcW, fcB);
		return Nn.linear(Nn.quickGelu(y), projW, projB);
	}

	NDArray attention(NDArray x, NDArray mask) {
		long b = x.getShape().get(0), l = x.getShape().get(1);
		int dh = width / heads;
		// [B, L, 3W] → [3, B, H, L, dh]
		NDArray qkv = Nn.linear(x, inW, inB).reshape(b, l, 3, heads, dh).transpose(2, 0, 3, 1, 4);
		NDArray q = qkv.get(0).mul((float) (1.0 / Math.sqrt(dh)));
		NDArray scores = q.matMul(qkv.get(1).transpose(0, 1, 3, 2));
		if (mask != null) scores = scores.add(mask);
		NDArray out = scores.softmax(-1).matMul(qkv.get(2)); // [B, H, L, dh]
		return Nn.linear(out.transpose(0, 2, 1, 3).reshape(b, l, width), outW, outB);
	}

	/** MaskCLIP's last block: value path only, residual and FFN kept (DESIGN.md §3). */
	NDArray valuePath(NDArray x) {
		NDArray v = Nn.linear(Nn.linear(Nn.layerNorm(x, ln1W, ln1B), vW, vB), outW, outB);
		NDArray h = v.add(x);
		return h.add(mlp(h));
	}
}
