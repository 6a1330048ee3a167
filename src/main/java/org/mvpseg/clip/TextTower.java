package org.mvpseg.clip;

import ai.djl.ndarray.NDArray;
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

	/** Passes through the tower so far. */
	long passes();

	/** Sentences of {@link #encodeFilled} computed in full so far (no prefix reused). */
	long fullSentences();
}
