package org.mvpseg.segment;

/**
 * Sliding-window settings (DESIGN.md §6). Zero means "choose": window = the model's native size,
 * stride = window / 2, batch = as many windows per forward pass as {@code memoryBudget} allows.
 *
 * @param window square window side in pixels
 * @param stride step between windows in pixels
 * @param batch windows per forward pass (1 = no batching)
 * @param shortSide resize the whole image first so its short side is this many pixels (0 = no resize)
 * @param memoryBudget bytes the forward pass of one batch may use
 */
public record SegmentOptions(int window, int stride, int batch, int shortSide, long memoryBudget) {

	public static final long DEFAULT_BUDGET = 1L << 30;

	public static SegmentOptions defaults() {
		return new SegmentOptions(0, 0, 0, 0, DEFAULT_BUDGET);
	}

	public SegmentOptions {
		if (window < 0 || stride < 0 || batch < 0 || shortSide < 0) throw new IllegalArgumentException(
			"window, stride, batch and short side must not be negative");
		if (window > 0 && stride > window) throw new IllegalArgumentException("The stride (" + stride
			+ ") must not exceed the window (" + window + "): pixels between windows would get no prediction.");
	}

	public SegmentOptions withWindow(int w, int s) {
		return new SegmentOptions(w, s, batch, shortSide, memoryBudget);
	}

	public SegmentOptions withBatch(int b) {
		return new SegmentOptions(window, stride, b, shortSide, memoryBudget);
	}

	public SegmentOptions withShortSide(int s) {
		return new SegmentOptions(window, stride, batch, s, memoryBudget);
	}
}
