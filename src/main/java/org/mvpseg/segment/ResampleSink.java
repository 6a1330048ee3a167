package org.mvpseg.segment;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Takes probability rows of a resized image and hands the downstream sink rows at the original
 * size: bilinear interpolation of probabilities (align_corners = false), then argmax. Holds only
 * the few source rows the next output rows need.
 */
final class ResampleSink implements SegmentationSink {

	private final SegmentationSink downstream;
	private final int srcW, srcH, dstW, dstH, classes;
	final long[] counts;
	private final Deque<float[][]> rows = new ArrayDeque<>(); // source rows [first, first + size)
	private int first, received, emitted;

	ResampleSink(SegmentationSink downstream, int classes, int srcW, int srcH, int dstW, int dstH) {
		this.downstream = downstream;
		this.classes = classes;
		this.srcW = srcW;
		this.srcH = srcH;
		this.dstW = dstW;
		this.dstH = dstH;
		this.counts = new long[classes];
	}

	@Override
	public void rows(int y0, int n, int width, float[][] p, int[] labels) throws IOException {
		for (int r = 0; r < n; r++) {
			float[][] row = new float[classes][];
			for (int c = 0; c < classes; c++) row[c] = java.util.Arrays.copyOfRange(p[c], r * width, (r + 1) * width);
			rows.addLast(row);
		}
		received = y0 + n;
		emitReady(false);
	}

	@Override
	public void finish() throws IOException {
		emitReady(true);
		downstream.finish();
	}

	private double sourceY(int y) {
		return Math.min(Math.max((y + 0.5) * srcH / (double) dstH - 0.5, 0), srcH - 1);
	}

	private void emitReady(boolean all) throws IOException {
		int end = emitted;
		while (end < dstH && (all || Math.min((int) sourceY(end) + 1, srcH - 1) < received)) end++;
		if (end == emitted) return;
		int n = end - emitted;
		float[][] out = new float[classes][n * dstW];
		int[] labels = new int[n * dstW];
		double sx = srcW / (double) dstW;
		for (int j = 0; j < n; j++) {
			double py = sourceY(emitted + j);
			int ya = (int) py, yb = Math.min(ya + 1, srcH - 1);
			float fy = (float) (py - ya);
			float[][] a = row(ya), b = row(yb);
			for (int i = 0; i < dstW; i++) {
				double px = Math.min(Math.max((i + 0.5) * sx - 0.5, 0), srcW - 1);
				int xa = (int) px, xb = Math.min(xa + 1, srcW - 1);
				float fx = (float) (px - xa);
				int best = 0;
				for (int c = 0; c < classes; c++) {
					float top = a[c][xa] + fx * (a[c][xb] - a[c][xa]);
					float bot = b[c][xa] + fx * (b[c][xb] - b[c][xa]);
					float v = top + fy * (bot - top);
					out[c][j * dstW + i] = v;
					if (v > out[best][j * dstW + i]) best = c;
				}
				labels[j * dstW + i] = best;
				counts[best]++;
			}
		}
		downstream.rows(emitted, n, dstW, out, labels);
		emitted = end;
		// drop source rows no later output row needs
		int keepFrom = emitted < dstH ? (int) sourceY(emitted) : received;
		while (first < keepFrom && !rows.isEmpty()) {
			rows.removeFirst();
			first++;
		}
	}

	private float[][] row(int y) {
		int i = y - first;
		for (float[][] r : rows) if (i-- == 0) return r;
		throw new IllegalStateException("source row " + y + " no longer held");
	}
}
