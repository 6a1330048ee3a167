package org.mvpseg.clip;

import ai.djl.ndarray.NDArray;

/** An image tower: global embedding and MaskCLIP dense features, both in the joint text space. */
public interface VisionTower {

	/** [B,3,H,W] CLIP-normalised → [B, E] ({@code encode_image}). */
	NDArray encodeImage(NDArray images);

	/** [B,3,H,W] → [B, H/stride, W/stride, E] per-patch features (MaskCLIP, not normalised). */
	default NDArray denseFeatures(NDArray images) {
		return denseFeatures(images, DenseMode.MASKCLIP);
	}

	/** Per-patch features with the given last-block treatment. */
	NDArray denseFeatures(NDArray images, DenseMode mode);

	/**
	 * Dense features and, beside them, the last attention layer's keys at every position
	 * ([B, h, w, K]) for MaskCLIP's key smoothing.
	 */
	ai.djl.ndarray.NDList denseFeaturesAndKeys(NDArray images, DenseMode mode);
}
