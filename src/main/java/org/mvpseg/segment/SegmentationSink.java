package org.mvpseg.segment;

import java.io.IOException;

/**
 * Receives finished rows of a segmentation, top to bottom, so nothing needs a whole-image
 * probability buffer: label images, probability files and statistics are all sinks.
 */
public interface SegmentationSink {

	/**
	 * Rows {@code [y0, y0 + rows)}, each {@code width} pixels: {@code probabilities[c][r·width + x]}
	 * and {@code labels[r·width + x]} (the argmax class).
	 */
	void rows(int y0, int rows, int width, float[][] probabilities, int[] labels) throws IOException;

	/** Called once after the last row. */
	default void finish() throws IOException {}
}
