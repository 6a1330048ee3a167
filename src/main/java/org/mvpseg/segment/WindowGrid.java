package org.mvpseg.segment;

import java.util.ArrayList;
import java.util.List;

/**
 * mmseg's "slide" layout: windows every {@code stride} pixels; the last row and column are moved
 * back inside the image so every window lies fully within it (unless the image is smaller than a
 * window, in which case the window is the whole image, padded).
 */
public final class WindowGrid {

	/** One window: its top-left corner and the part of it that lies inside the image. */
	public record Window(int index, int x, int y, int width, int height) {}

	private WindowGrid() {}

	public static List<Window> of(int imageW, int imageH, int window, int stride) {
		int rows = Math.max(imageH - window + stride - 1, 0) / stride + 1;
		int cols = Math.max(imageW - window + stride - 1, 0) / stride + 1;
		List<Window> out = new ArrayList<>(rows * cols);
		for (int r = 0; r < rows; r++) {
			for (int c = 0; c < cols; c++) {
				int y2 = Math.min(r * stride + window, imageH), x2 = Math.min(c * stride + window, imageW);
				int y1 = Math.max(y2 - window, 0), x1 = Math.max(x2 - window, 0);
				out.add(new Window(out.size(), x1, y1, x2 - x1, y2 - y1));
			}
		}
		return out;
	}

	/**
	 * The windows of {@code grid} that overlap {@code core}, in the grid's order: all a part of the image needs for
	 * the same averages as the whole image's run. Their reach beyond the core (up to a window less a pixel) is the
	 * halo that equality needs: with the default stride of half a window, at least half a window wherever the image
	 * goes on.
	 */
	public static List<Window> touching(List<Window> grid, org.mvpseg.image.Rect core) {
		List<Window> out = new ArrayList<>();
		for (Window w : grid) if (w.x() < core.x() + core.width() && w.x() + w.width() > core.x() && w.y() < core.y()
			+ core.height() && w.y() + w.height() > core.y()) out.add(w);
		return out;
	}
}
