package org.mvpseg.clip;

import ai.djl.ndarray.NDArray;
import org.mvpseg.clip.io.WeightFormatException;

import java.util.List;

/**
 * One pre-norm transformer block: {@code x + attn(ln_1(x))}, then {@code x + mlp(ln_2(x))},
 * with PyTorch's {@code nn.MultiheadAttention} (stacked q,k,v in_proj; 1/sqrt(head_dim) scaling).
 * Activations are batch-first [B, L, W].
 */
final class ResidualAttentionBlock {

	final int width, heads;
	final NDArray ln1W, ln1B, inW, inB, outW, outB;
	final Mlp mlp;

	/**
	 * Where a block's tensors are and how it normalises and activates: OpenAI's (eps 1e-5, QuickGELU, stacked
	 * in_proj) or timm's (eps 1e-6, exact GELU, one qkv Linear). The computation is the same otherwise.
	 */
	record Names(String ln1, String in, String out, String ln2, String fc, String proj, float eps, boolean quickGelu) {

		static final Names OPENAI = new Names("ln_1", "attn.in_proj_", "attn.out_proj", "ln_2", "mlp.c_fc",
			"mlp.c_proj", 1e-5f, true);
		/** OpenAI's names with the exact GELU: open_clip's CLIP without quick_gelu (its default). */
		static final Names OPENAI_GELU = new Names("ln_1", "attn.in_proj_", "attn.out_proj", "ln_2", "mlp.c_fc",
			"mlp.c_proj", 1e-5f, false);
		static final Names TIMM = new Names("norm1", "attn.qkv.", "attn.proj", "norm2", "mlp.fc1", "mlp.fc2", 1e-6f,
			false);
	}

	final Names names;

	/** OpenAI's names, with QuickGELU or the exact GELU. */
	static Names openAi(boolean quickGelu) {
		return quickGelu ? Names.OPENAI : Names.OPENAI_GELU;
	}

	ResidualAttentionBlock(Weights w, String p, int width, int heads) throws WeightFormatException {
		this(w, p, width, heads, Names.OPENAI);
	}

	ResidualAttentionBlock(Weights w, String p, int width, int heads, Names n) throws WeightFormatException {
		this.width = width;
		this.heads = heads;
		this.names = n;
		ln1W = w.get(p + n.ln1 + ".weight", width);
		ln1B = w.get(p + n.ln1 + ".bias", width);
		// 1/sqrt(head_dim) folded into the query rows: q·k/sqrt(d) with one elementwise pass fewer.
		String in = p + n.in;
		float[] inWeight = w.floats(in + "weight", 3L * width, width);
		float[] inBias = w.floats(in + "bias", 3L * width);
		float scale = (float) (1.0 / Math.sqrt(width / heads));
		float[] inScaled = inWeight.clone(), biasScaled = inBias.clone();
		for (int i = 0; i < width * width; i++) inScaled[i] *= scale;
		for (int i = 0; i < width; i++) biasScaled[i] *= scale;
		inW = w.create(inScaled, 3L * width, width);
		inB = w.create(biasScaled, 3L * width);
		outW = w.get(p + n.out + ".weight", width, width);
		outB = w.get(p + n.out + ".bias", width);
		mlp = Mlp.load(w, p, width, n);
	}

	/**
	 * QuickGELU(y) = y·σ(1.702y) = (y'·σ(y')) / 1.702 with y' = 1.702y: the factor 1.702 goes into c_fc and its
	 * inverse into c_proj, which saves one elementwise pass over the widest activation. 1 for the exact GELU.
	 */
	static double fold(Names n) {
		return n.quickGelu ? 1.702 : 1;
	}

	/**
	 * The feed-forward half, c_proj(act(c_fc(ln_2(x)))), over its tensors as it computes with them: c_fc × g and c_proj
	 * × 1/g, g = {@link #fold}. Every block runs it, and so does a fine-tuned last block ({@link LastBlock}).
	 */
	record Mlp(NDArray lnW, NDArray lnB, NDArray fcW, NDArray fcB, NDArray projW, NDArray projB, Names names) {

		/** From the weights, folded once. */
		static Mlp load(Weights w, String p, int width, Names n) throws WeightFormatException {
			double g = fold(n);
			return new Mlp(w.get(p + n.ln2 + ".weight", width), w.get(p + n.ln2 + ".bias", width), scaled(w, p + n.fc
				+ ".weight", g, 4L * width, width), scaled(w, p + n.fc + ".bias", g, 4L * width), scaled(w, p + n.proj
					+ ".weight", 1 / g, width, 4L * width), w.get(p + n.proj + ".bias", width), n);
		}

		/**
		 * From the checkpoint's own values [ln_2 w, b, c_fc w, b, c_proj w, b] (trainable copies): folded by products
		 * that autograd records, so gradients reach {@code raw}. The products belong to {@code raw}'s manager.
		 */
		static Mlp folding(List<NDArray> raw, Names n) {
			double g = fold(n);
			return g == 1 ? new Mlp(raw.get(0), raw.get(1), raw.get(2), raw.get(3), raw.get(4), raw.get(5), n)
				: new Mlp(raw.get(0), raw.get(1), Nn.times(raw.get(2), g), Nn.times(raw.get(3), g), Nn.times(raw.get(4),
					1 / g), raw.get(5), n);
		}

		/** Its tensors as the checkpoint holds them (the fold undone), in {@link #folding}'s order. */
		float[][] unfolded() {
			float g = (float) fold(names);
			float[] fcW = fcW().toFloatArray(), fcB = fcB().toFloatArray(), projW = projW().toFloatArray();
			for (int i = 0; i < fcW.length; i++) fcW[i] /= g;
			for (int i = 0; i < fcB.length; i++) fcB[i] /= g;
			for (int i = 0; i < projW.length; i++) projW[i] *= g;
			return new float[][] { lnW.toFloatArray(), lnB.toFloatArray(), fcW, fcB, projW, projB.toFloatArray() };
		}

		/** [B, L, W] → [B, L, W]; {@code x} is left intact. */
		NDArray apply(NDArray x) {
			NDArray n = Nn.layerNorm(x, lnW, lnB, names.eps);
			NDArray y = Nn.linear(n, fcW, fcB); // g × c_fc(x)
			n.close();
			// OpenAI: 1.702 × QuickGELU(c_fc(x)) = SiLU(y), c_proj carries the 1/1.702; timm: the exact GELU
			NDArray a = names.quickGelu ? Nn.silu(y) : Nn.gelu(y);
			NDArray out = Nn.linear(a, projW, projB);
			a.close();
			return out;
		}
	}

	private static NDArray scaled(Weights w, String name, double factor, long... shape) throws WeightFormatException {
		float[] v = w.floats(name, shape);
		for (int i = 0; i < v.length; i++) v[i] = (float) (v[i] * factor);
		return w.create(v, shape);
	}

	/** @param mask additive [L, L] mask (causal for text) or null. {@code x} is left intact. */
	NDArray forward(NDArray x, NDArray mask) {
		NDArray h = Nn.addInto(attention(x, mask), x);
		return Nn.addInto(mlp.apply(h), h);
	}

	/**
	 * ln_1 then in_proj, split per head: [B, L, 3, H, dh], q rows pre-scaled by 1/√dh. Per-head q, k, v are strided
	 * views of it, as in PyTorch's own attention: the matrix products read them in place (no head-major copy).
	 */
	NDArray qkvHeads(NDArray x) {
		NDArray n = Nn.layerNorm(x, ln1W, ln1B, names.eps);
		NDArray lin = Nn.linear(n, inW, inB); // [B, L, 3W]
		n.close();
		NDArray heads = lin.reshape(x.getShape().get(0), x.getShape().get(1), 3, this.heads, width / this.heads);
		lin.close(); // the view keeps the data
		return heads;
	}

	/** Heads [B, H, S, dh] back to [B, S, W], then out_proj; {@code o} is closed. */
	private NDArray mergeHeads(NDArray o) {
		long b = o.getShape().get(0), s = o.getShape().get(2);
		NDArray merged = o.transpose(0, 2, 1, 3).reshape(b, s, width);
		o.close();
		NDArray out = Nn.linear(merged, outW, outB);
		merged.close();
		return out;
	}

	/** Multi-head self-attention over ln_1(x), {@code x} [B, L, W]; {@code x} is left intact. */
	NDArray attention(NDArray x, NDArray mask) {
		NDArray qkv = qkvHeads(x);
		NDArray q = qkv.get(":, :, 0").transpose(0, 2, 1, 3); // [B, H, L, dh]
		NDArray kt = qkv.get(":, :, 1").transpose(0, 2, 3, 1); // [B, H, dh, L]
		NDArray v = qkv.get(":, :, 2").transpose(0, 2, 1, 3);
		NDArray scores = q.matMul(kt);
		Nn.free(q, kt);
		if (mask != null) scores = Nn.addInto(scores, mask);
		NDArray p = scores.softmax(-1);
		scores.close();
		NDArray o = p.matMul(v); // [B, H, L, dh]
		Nn.free(p, v, qkv);
		return mergeHeads(o);
	}

	/** What {@link #forwardAfter} returns: the block's output and the keys and values of its input's positions. */
	record Continued(NDArray out, NDArray keysValues) {}

	/**
	 * The block over positions that continue earlier ones whose keys and values are kept ({@code past}): each
	 * query of {@code x} attends to the past keys and to x's own, as {@link #forward} over the whole sequence
	 * would (under a causal mask a position's keys and values depend on nothing after it, so they are the same).
	 *
	 * @param x [B, S, W] the new positions' input; left intact
	 * @param past keys and values of the earlier positions, [B, P, 2, H, dh] (in_proj's own layout), or null
	 * @param mask additive, broadcastable to [B, H, S', P + S] (S' = 1 with {@code lastOnly}): −inf hides a key
	 * @param lastOnly compute only the last position's output ([B, 1, W]), as when nothing later reads the others
	 * @return the output and x's keys and values [B, S, 2, H, dh] (a view of in_proj's output; may be closed)
	 */
	Continued forwardAfter(NDArray x, NDArray past, NDArray mask, boolean lastOnly) {
		NDArray qkv = qkvHeads(x);
		NDArray own = qkv.get(":, :, 1:"); // [B, S, 2, H, dh]
		NDArray kv = past == null ? own : ai.djl.ndarray.NDArrays.concat(new ai.djl.ndarray.NDList(past, own), 1);
		NDArray q = qkv.get(lastOnly ? ":, -1:, 0" : ":, :, 0").transpose(0, 2, 1, 3); // [B, H, S', dh]
		NDArray kt = kv.get(":, :, 0").transpose(0, 2, 3, 1); // [B, H, dh, P+S]
		NDArray v = kv.get(":, :, 1").transpose(0, 2, 1, 3); // [B, H, P+S, dh]
		NDArray scores = Nn.addInto(q.matMul(kt), mask);
		Nn.free(q, kt);
		NDArray p = scores.softmax(-1);
		scores.close();
		NDArray o = p.matMul(v); // [B, H, S', dh]
		Nn.free(p, v);
		if (kv != own) kv.close();
		NDArray residual = lastOnly ? x.get(":, -1:, :") : x;
		NDArray h = Nn.addInto(mergeHeads(o), residual);
		if (residual != x) residual.close();
		return new Continued(Nn.addInto(mlp.apply(h), h), own);
	}

	/**
	 * The block's output for token 0 only ([B, 1, W]): the query of the class token against all keys,
	 * then its MLP. encode_image needs nothing else from the last block, so this skips most of it.
	 */
	NDArray forwardFirstToken(NDArray x) {
		NDArray heads = qkvHeads(x), qkv = heads.transpose(2, 0, 3, 1, 4); // [3, B, H, L, dh]
		heads.close();
		NDArray q = qkv.get("0, :, :, :1, :"), kt = qkv.get(1).transpose(0, 1, 3, 2), v = qkv.get(2);
		NDArray scores = q.matMul(kt);
		Nn.free(q, kt);
		NDArray p = scores.softmax(-1);
		scores.close();
		NDArray o = p.matMul(v); // [B, H, 1, dh]
		Nn.free(p, v, qkv);
		NDArray first = x.get(":, :1, :");
		NDArray h = Nn.addInto(mergeHeads(o), first);
		first.close();
		return Nn.addInto(mlp.apply(h), h);
	}

	/**
	 * The training-free last blocks (ClearCLIP, SCLIP, NACLIP): attention weights from q·qᵀ and/or
	 * k·kᵀ (each softmaxed, then summed) applied to v; SCLIP keeps the residual and FFN, the others
	 * drop both.
	 *
	 * @param bias added to the k·kᵀ logits (NACLIP's neighbourhood), or null
	 */
	NDArray surrogateAttention(NDArray x, boolean qq, boolean kk, NDArray bias) {
		int dh = width / heads;
		NDArray qkv = qkvHeads(x); // q rows carry 1/sqrt(dh)
		NDArray weights = null;
		if (qq) { // (q/√d)(q/√d)ᵀ·√d = q·qᵀ/√d
			NDArray q = qkv.get(":, :, 0").transpose(0, 2, 1, 3);
			weights = Nn.times(q.matMul(q.transpose(0, 1, 3, 2)), Math.sqrt(dh)).softmax(-1);
		}
		if (kk) {
			NDArray k = qkv.get(":, :, 1").transpose(0, 2, 1, 3);
			NDArray logits = Nn.dividedBy(k.matMul(k.transpose(0, 1, 3, 2)), Math.sqrt(dh));
			if (bias != null) logits = logits.add(bias);
			NDArray w = logits.softmax(-1);
			weights = weights == null ? w : weights.add(w);
		}
		NDArray v = qkv.get(":, :, 2").transpose(0, 2, 1, 3);
		NDArray out = mergeHeads(weights.matMul(v));
		if (!(qq && kk)) return out; // ClearCLIP, NACLIP: no residual, no FFN
		NDArray h = Nn.addInto(out, x);
		return Nn.addInto(mlp.apply(h), h);
	}
}
