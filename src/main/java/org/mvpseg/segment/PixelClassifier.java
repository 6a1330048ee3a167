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

	/**
	 * A batch's scores and, for methods that judge it (MVP-SEG's GPR), each window's class presence g_c ([B·C]
	 * row-major; null otherwise); {@code keys} null unless {@link #usesKeys()}. The classifier keeps nothing of the
	 * batch: an image's presence is the segmenter's record ({@link Segmenter.Result#presence()}), so one classifier
	 * serves any number of images and threads at once.
	 */
	default Scored score(NDArray features, NDArray keys) {
		return new Scored(keys == null ? scores(features) : scores(features, keys), null);
	}

	/** [B, C, h, w] scores and [B·C] presence (or null). */
	record Scored(NDArray scores, float[] presence) {}

	/** Averaged scores → probabilities, in place: {@code scores[c][offset + i]} for i < n. */
	void toProbabilities(float[][] scores, int offset, int n);

	/** One line for logs and provenance. */
	String describe();

	/** The method's short name for titles and provenance: "zero-shot" or "MVP-SEG". */
	String method();

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

	/**
	 * g_c per class: the highest over windows (present somewhere) and the mean (null where not known: a tiled image's
	 * windows overlap its tiles).
	 */
	record Presence(double[] max, double[] mean) implements java.io.Serializable {

		/** Two parts of one image: the highest of both; the mean is not known (windows may belong to both). */
		public Presence merge(Presence o) {
			double[] m = max.clone();
			for (int c = 0; c < m.length; c++) m[c] = Math.max(m[c], o.max[c]);
			return new Presence(m, null);
		}
	}

	/** Frees the classifier's native memory (text features). */
	@Override
	default void close() {}
}
