package org.mvpseg.segment;

import ai.djl.ndarray.NDArray;

import java.util.List;

/**
 * Turns dense CLIP features into per-class scores. Scores of overlapping windows are averaged
 * (after bilinear upsampling), then turned into probabilities. The zero-shot classifier (text
 * templates) and the MVP-SEG head (learned prompts) both implement it, so both share the pipeline.
 */
public interface PixelClassifier extends AutoCloseable {

	List<String> classNames();

	/** [B, h, w, E] dense features → [B, C, h, w] scores, in the features' manager. */
	NDArray scores(NDArray features);

	/** Whether {@link #scores(NDArray, NDArray)} wants the attention keys too. */
	default boolean usesKeys() {
		return false;
	}

	/** Scores from features and the last attention layer's keys ([B, h, w, K]). */
	default NDArray scores(NDArray features, NDArray keys) {
		return scores(features);
	}

	/** Averaged scores → probabilities, in place: {@code scores[c][offset + i]} for i < n. */
	void toProbabilities(float[][] scores, int offset, int n);

	/** One line for logs and provenance. */
	String describe();

	/** Frees the classifier's native memory (text features). */
	@Override
	default void close() {}
}
