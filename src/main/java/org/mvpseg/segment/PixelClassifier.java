package org.mvpseg.segment;

import ai.djl.ndarray.NDArray;

import java.util.List;
import java.util.Optional;

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

	/** The method's short name for titles and provenance: "zero-shot" or "MVP-SEG". */
	String method();

	/** Called before each image: starts the image's own records (e.g. GPR presence). */
	default void startImage() {}

	/**
	 * The image-level presence of each class since {@link #startImage()} (MVP-SEG's GPR g_c: highest
	 * and mean over windows), or empty for methods without one.
	 */
	default Optional<Presence> presence() {
		return Optional.empty();
	}

	/**
	 * The fixed text embeddings behind the classes, [views, C, E] normalised rows (learned prompts: one view per
	 * segmentation prompt; zero-shot: the template ensemble), for MVP-SEG+'s student to use as its classifier; empty
	 * for methods without them.
	 */
	default Optional<Embeddings> embeddings() {
		return Optional.empty();
	}

	/** [views, C, E] row-major. */
	record Embeddings(int views, int width, float[] values) {}

	/** g_c per class: the highest over windows (present somewhere) and the mean. */
	record Presence(double[] max, double[] mean) {}

	/** Frees the classifier's native memory (text features). */
	@Override
	default void close() {}
}
