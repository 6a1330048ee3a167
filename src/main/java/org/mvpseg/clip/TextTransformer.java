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
	private final NDArray tokenEmbedding, positional, lnFinalW, lnFinalB, projection;
	private final ResidualAttentionBlock[] blocks;

	TextTransformer(Weights w, ClipConfig c) throws WeightFormatException {
		width = c.textWidth();
		context = c.contextLength();
		embed = c.embedDim();
		vocab = c.vocabSize();
		tokenEmbedding = w.get("token_embedding.weight", vocab, width);
		positional = w.get("positional_embedding", context, width);
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
	 */
	NDArray encodeEmbeddings(NDArray x, long[] eot) {
		return Nn.scoped(x, in -> {
			long n = in.getShape().get(0), l = in.getShape().get(1);
			NDManager m = in.getManager();
			if (l != context) throw new IllegalArgumentException("text input must have " + context + " positions, got " + l);
			NDArray h = in.add(positional);
			NDArray mask = causalMask(m, (int) l, in.getDataType());
			for (ResidualAttentionBlock b : blocks) h = Nn.step(h, t -> b.forward(t, mask));
			long[] flat = new long[(int) n];
			for (int i = 0; i < n; i++) flat[i] = i * l + eot[i];
			NDArray rows = h.reshape(n * l, width).get(new NDIndex("{}", m.create(flat)));
			return Nn.layerNorm(rows, lnFinalW, lnFinalB).matMul(projection);
		});
	}

	/** Additive mask: −inf above the diagonal, so each token sees only itself and earlier ones. */
	private static NDArray causalMask(NDManager m, int l, DataType dtype) {
		float[] mask = new float[l * l];
		for (int i = 0; i < l; i++)
			for (int j = i + 1; j < l; j++) mask[i * l + j] = Float.NEGATIVE_INFINITY;
		return m.create(mask, new Shape(l, l)).toType(dtype, false);
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
