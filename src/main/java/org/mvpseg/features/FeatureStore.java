package org.mvpseg.features;

import java.io.IOException;

/**
 * The image side of a segmentation kept window by window, so that new class names, prompts and refinements
 * re-segment an image without running CLIP's image tower again (docs/features.md).
 * <p>
 * A window's arrays hold for exactly the pixels they were computed from: each is kept with the {@link WindowDigest}
 * of the window's CLIP input (its normalised pixels, position and size) and handed back only for the same digest.
 * Content, channels and intensity scaling are thereby checked window by window; what else shapes the features
 * (weights, dense mode, precision, a student's own last block) is the store's {@code identity}, checked when it is
 * opened.
 */
public interface FeatureStore {

	/**
	 * Whether window {@code index}'s arrays are kept and were computed from pixels with {@code digest} (with the keys,
	 * when {@code keys} is asked for).
	 */
	boolean has(int index, long digest, boolean keys);

	/** Window {@code index}'s kept arrays (after {@link #has} said yes); counted as reused. */
	WindowFeatures get(int index) throws IOException;

	/** Keeps a window's freshly computed arrays; counted as computed. */
	void put(int index, long digest, WindowFeatures features) throws IOException;

	/** What this run reused and computed, for reports and summaries. */
	Stats stats();

	/**
	 * One window's image side: dense features [h, w, E] and, where key smoothing uses them, the last attention layer's
	 * keys [h, w, K] (else null), row-major float32.
	 */
	record WindowFeatures(int h, int w, float[] features, float[] keys) {

		public WindowFeatures {
			if (features.length % (h * w) != 0 || keys != null && keys.length % (h * w) != 0)
				throw new IllegalArgumentException("feature arrays do not fit " + h + "×" + w + " cells");
		}

		public int featureWidth() {
			return features.length / (h * w);
		}

		public int keyWidth() {
			return keys == null ? 0 : keys.length / (h * w);
		}

		public long bytes() {
			return 4L * (features.length + (keys == null ? 0 : keys.length));
		}
	}

	/**
	 * @param reused windows whose stored arrays were used
	 * @param computed windows computed by CLIP (and kept)
	 * @param note why stored arrays were not used (other weights, damaged file, …), or null
	 */
	record Stats(int reused, int computed, String note) {}
}
