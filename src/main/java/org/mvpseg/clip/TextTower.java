package org.mvpseg.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

import java.util.List;

/**
 * A text tower with its tokenizer: OpenAI's causal transformer over CLIP's BPE ({@link TextTransformer}) or BERT over
 * WordPiece ({@link BertTextTower}, BiomedCLIP's). What {@link ClipModel} asks of either; features are not normalised.
 */
interface TextTower {

	/** Width of the token embeddings (the width of learnable context vectors). */
	int width();

	/** Token positions per sentence (77 for OpenAI's CLIP, 256 for BiomedCLIP). */
	int contextLength();

	/** [N, L] token ids as {@link #tokenize} gives them → [N, E]. */
	NDArray encode(NDArray ids);

	/** The ids of {@code text}, special tokens included, padded or cut to {@link #contextLength}. */
	int[] tokenize(String text);

	/** The tokens of a class name, without special tokens (for prompt sentences). */
	int[] nameTokens(String name);

	/** Features of every template filled with every name, [names·templates, E] name-major, in {@code into}. */
	NDArray encodeFilled(NDManager into, List<String> templates, List<String> names);

	/**
	 * CoOp prompt features, [P·C, E] prompt-major, for context vectors [P, M, W] and class-name tokens; the sentence
	 * is the tower's own (docs/formulas.md §5 and "BERT text tower"). Runs in the caller's scope; gradients reach
	 * {@code ctx}.
	 */
	NDArray encodePrompts(NDArray ctx, int[][] classTokens);

	/**
	 * CoOp's sentences: the token vectors {@code emb} [C, L, W] of every class's sentence with rows 1..M replaced by
	 * each prompt's context vectors {@code ctx} [P, M, W]; [P·C, L, W] prompt-major (docs/formulas.md §5).
	 */
	static NDArray withContext(NDArray emb, NDArray ctx) {
		long p = ctx.getShape().get(0), m = ctx.getShape().get(1), w = ctx.getShape().get(2);
		long c = emb.getShape().get(0), len = emb.getShape().get(1);
		NDArray prefix = emb.get(":, :1, :").expandDims(0).broadcast(p, c, 1, w);
		NDArray suffix = emb.get(":, " + (1 + m) + ":, :").expandDims(0).broadcast(p, c, len - 1 - m, w);
		NDArray mid = ctx.expandDims(1).broadcast(p, c, m, w);
		return NDArrays.concat(new NDList(prefix, mid, suffix), 2).reshape(p * c, len, w);
	}

	/** Passes through the tower so far. */
	long passes();

	/** Sentences of {@link #encodeFilled} computed in full so far (no prefix reused). */
	long fullSentences();
}
