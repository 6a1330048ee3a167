package org.mvpseg.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Embedding;
import ai.djl.ndarray.types.SparseFormat;
import org.mvpseg.clip.io.WeightFormatException;

/**
 * OpenAI's text encoder: token embedding + positional embedding → causal pre-norm blocks →
 * ln_final → the row at the EOT token → text_projection. Also encodes CoOp prompts whose
 * positions 1..M are learnable vectors, with gradients flowing through the frozen blocks.
 */
final class TextTransformer {

	private final int width, context, embed, vocab;
	private final NDArray tokenEmbedding, lnFinalW, lnFinalB, projection;
	private final float[] positional;
	private final ResidualAttentionBlock[] blocks;
	private final NDManager cacheManager;
	private final java.util.Map<Integer, NDArray> positionalPrefix = new java.util.concurrent.ConcurrentHashMap<>();

	TextTransformer(Weights w, ClipConfig c, NDManager cacheManager) throws WeightFormatException {
		this.cacheManager = cacheManager;
		width = c.textWidth();
		context = c.contextLength();
		embed = c.embedDim();
		vocab = c.vocabSize();
		tokenEmbedding = w.get("token_embedding.weight", vocab, width);
		positional = w.floats("positional_embedding", context, width);
		lnFinalW = w.get("ln_final.weight", width);
		lnFinalB = w.get("ln_final.bias", width);
		projection = w.get("text_projection", width, embed);
		blocks = new ResidualAttentionBlock[c.textLayers()];
		for (int i = 0; i < blocks.length; i++)
			blocks[i] = new ResidualAttentionBlock(w, "transformer.resblocks." + i + ".", width, c.textHeads());
	}

	int width() {
		return width;
	}

	int contextLength() {
		return context;
	}

	/** [N, 77] int64 token ids → [N, E]. */
	NDArray encode(NDArray ids) {
		return Nn.scoped(ids, t -> {
			long[] eot = argmaxRows(t);
			NDArray x = Embedding.embedding(t.toType(DataType.INT64, false), tokenEmbedding, SparseFormat.DENSE)
				.singletonOrThrow();
			return encodeEmbeddings(x, eot);
		});
	}

	/**
	 * Token embeddings of {@code ids} ([N, 77] int64, in the caller's manager). Used to assemble
	 * prompt sentences around learnable context vectors.
	 */
	NDArray embed(NDArray ids) {
		return Embedding.embedding(ids.toType(DataType.INT64, false), tokenEmbedding, SparseFormat.DENSE)
			.singletonOrThrow();
	}

	/**
	 * [N, 77, W] input embeddings (learnable rows allowed) → [N, E], the feature taken at {@code eot[n]}.
	 * Positions after the last EOT are dropped before the transformer: under the causal mask they
	 * cannot influence any EOT feature, so the result is exact and a short prompt costs a fraction
	 * of 77 positions (forward and backward).
	 */
	NDArray encodeEmbeddings(NDArray x, long[] eot) {
		return Nn.scoped(x, full -> {
			long n = full.getShape().get(0);
			if (full.getShape().get(1) != context) throw new IllegalArgumentException("text input must have " + context
				+ " positions, got " + full.getShape().get(1));
			int l = 1;
			for (long e : eot) l = (int) Math.max(l, e + 1);
			NDArray in = l < context ? full.get(":, :" + l + ", :") : full;
			NDManager m = in.getManager();
			NDArray h = in.add(positional(l, in.getDataType()));
			NDArray mask = causalMask(m, l, in.getDataType());
			for (ResidualAttentionBlock b : blocks) h = Nn.step(h, t -> b.forward(t, mask));
			long[] flat = new long[(int) n];
			for (int i = 0; i < n; i++) flat[i] = i * l + eot[i];
			NDArray rows = h.reshape(n * l, width).get(new NDIndex("{}", Nn.owned(m.create(flat))));
			return Nn.layerNorm(rows, lnFinalW, lnFinalB).matMul(projection);
		});
	}

	/** The first {@code l} rows of the positional embedding (cached per length). */
	private NDArray positional(int l, DataType dtype) {
		return positionalPrefix.computeIfAbsent(l, k -> {
			synchronized (cacheManager) {
				return Nn.owned(cacheManager.create(java.util.Arrays.copyOf(positional, k * width), new Shape(k, width))
					.toType(dtype, false));
			}
		});
	}

	/** Additive mask: −inf above the diagonal, so each token sees only itself and earlier ones. */
	private static NDArray causalMask(NDManager m, int l, DataType dtype) {
		float[] mask = new float[l * l];
		for (int i = 0; i < l; i++)
			for (int j = i + 1; j < l; j++) mask[i * l + j] = Float.NEGATIVE_INFINITY;
		return Nn.owned(m.create(mask, new Shape(l, l)).toType(dtype, false));
	}

	/** EOT position per row: the argmax of the ids, as OpenAI takes it. */
	static long[] argmaxRows(NDArray ids) {
		long[] v = ids.toType(DataType.INT64, false).toLongArray();
		int l = (int) ids.getShape().get(1), n = (int) ids.getShape().get(0);
		long[] out = new long[n];
		for (int i = 0; i < n; i++) {
			long best = Long.MIN_VALUE;
			for (int j = 0; j < l; j++) if (v[i * l + j] > best) {
				best = v[i * l + j];
				out[i] = j;
			}
		}
		return out;
	}
}
