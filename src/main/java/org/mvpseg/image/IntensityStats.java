package org.mvpseg.image;

import java.io.Serializable;

/**
 * What {@link ClipInput} measures to scale intensities (docs/formulas.md §2), measured rectangle by rectangle so
 * that the parts of one image can be measured on different machines and merged: each channel's finite range
 * (first pass, 32-bit only), then a 65 536-bin histogram over that range (second pass, 16- and 32-bit) and the
 * count of NaN/±Inf values. Both are sums and extremes, so the merged statistics of any split of an image equal
 * those of the whole image — which is what makes a tiled image's scaling the single-machine one
 * (docs/spark.md › Huge images).
 */
public final class IntensityStats implements Serializable {

	private static final long serialVersionUID = 1L;
	static final int BINS = 65536;
	private static final int ROWS_PER_READ = 256;

	private final ImageSource.Kind kind;
	private final boolean[] used; // per source channel
	private final float[] min, max; // finite range per channel (32-bit), else the type's range
	private final long[][] hist; // null in the first pass
	private final long[] nonFinite;

	private IntensityStats(ImageSource.Kind kind, boolean[] used, float[] min, float[] max, long[][] hist,
		long[] nonFinite)
	{
		this.kind = kind;
		this.used = used;
		this.min = min;
		this.max = max;
		this.hist = hist;
		this.nonFinite = nonFinite;
	}

	/** Whether this kind of image needs a second (histogram) pass, i.e. is not 8-bit. */
	public static boolean needsHistogram(ImageSource.Kind kind) {
		return kind != ImageSource.Kind.U8;
	}

	/** First pass over {@code r}: the finite range of each channel used ({@code channelMap}: R, G, B's channels). */
	public static IntensityStats range(ImageSource src, int[] channelMap, Rect r) {
		int n = src.channels();
		boolean[] used = new boolean[n];
		for (int c : channelMap) if (c >= 0) used[c] = true;
		float[] min = new float[n], max = new float[n];
		for (int c = 0; c < n; c++) {
			float[] range = !used[c] || src.kind() == ImageSource.Kind.U8 ? new float[] { 0, 255 } : src
				.kind() == ImageSource.Kind.U16 ? new float[] { 0, 65535 } : finiteRange(src, c, r);
			min[c] = range[0];
			max[c] = range[1];
		}
		return new IntensityStats(src.kind(), used, min, max, null, new long[n]);
	}

	/** Second pass over {@code r}, with the range this pass's statistics hold (the whole image's, once merged). */
	public IntensityStats histograms(ImageSource src, Rect r) {
		int n = used.length;
		long[][] h = new long[n][];
		long[] bad = new long[n];
		for (int c = 0; c < n; c++) {
			if (!used[c] || !needsHistogram(kind)) continue;
			h[c] = new long[BINS];
			bad[c] = histogram(src, c, r, h[c]);
		}
		return new IntensityStats(kind, used, min, max, h, bad);
	}

	/** These statistics and another part's of the same image, as if measured together. */
	public IntensityStats merge(IntensityStats o) {
		int n = used.length;
		float[] lo = new float[n], hi = new float[n];
		long[][] h = hist == null ? null : new long[n][];
		long[] bad = new long[n];
		for (int c = 0; c < n; c++) {
			lo[c] = Math.min(min[c], o.min[c]);
			hi[c] = Math.max(max[c], o.max[c]);
			bad[c] = nonFinite[c] + o.nonFinite[c];
			if (h != null && hist[c] != null) {
				h[c] = hist[c].clone();
				for (int b = 0; b < BINS; b++) h[c][b] += o.hist[c][b];
			}
		}
		// a part without any finite value has the empty range (+Inf, -Inf): merging keeps the other part's
		return new IntensityStats(kind, used, lo, hi, h, bad);
	}

	/** The low and high percentile of each channel used; {@code pixels}: the image's pixel count. */
	public ClipInput.Scaling scaling(double lowPercentile, double highPercentile, long pixels) {
		int n = used.length;
		float[] lo = new float[n], hi = new float[n];
		long nonFiniteTotal = 0;
		for (int c = 0; c < n; c++) {
			if (!used[c]) continue;
			if (!needsHistogram(kind)) {
				lo[c] = 0;
				hi[c] = 255;
				continue;
			}
			float[] range = range(c);
			nonFiniteTotal += nonFinite[c]; // counted per channel used
			if (nonFinite[c] == pixels) throw new IllegalArgumentException("Channel " + (c + 1) + " has no finite pixel "
				+ "(every value is NaN or infinite): there is nothing to segment.");
			lo[c] = percentile(hist[c], lowPercentile, range);
			hi[c] = percentile(hist[c], highPercentile, range);
			if (!(hi[c] > lo[c])) hi[c] = lo[c] + 1; // a constant image maps to one grey
		}
		return new ClipInput.Scaling(lo, hi, nonFiniteTotal);
	}

	/** The range histograms are binned over: the finite range, or [0, 1] where nothing is finite. */
	private float[] range(int c) {
		return min[c] > max[c] ? new float[] { 0, 1 } : new float[] { min[c], max[c] };
	}

	private static float[] finiteRange(ImageSource src, int c, Rect r) {
		float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
		float[] buf = new float[r.width() * Math.min(ROWS_PER_READ, r.height())];
		for (int y = 0; y < r.height(); y += ROWS_PER_READ) {
			int rows = Math.min(ROWS_PER_READ, r.height() - y);
			src.read(c, r.x(), r.y() + y, r.width(), rows, buf);
			for (int i = 0; i < rows * r.width(); i++) {
				float v = buf[i];
				if (Float.isFinite(v)) {
					if (v < min) min = v;
					if (v > max) max = v;
				}
			}
		}
		return new float[] { min, max }; // (+Inf, -Inf) when nothing is finite
	}

	/** Fills {@code hist} over this channel's range and returns the number of non-finite values. */
	private long histogram(ImageSource src, int c, Rect r, long[] hist) {
		float[] range = range(c);
		float[] buf = new float[r.width() * Math.min(ROWS_PER_READ, r.height())];
		double scale = range[1] > range[0] ? (BINS - 1) / ((double) range[1] - range[0]) : 0;
		long bad = 0;
		for (int y = 0; y < r.height(); y += ROWS_PER_READ) {
			int rows = Math.min(ROWS_PER_READ, r.height() - y);
			src.read(c, r.x(), r.y() + y, r.width(), rows, buf);
			for (int i = 0; i < rows * r.width(); i++) {
				float v = buf[i];
				if (!Float.isFinite(v)) {
					bad++;
					continue;
				}
				int b = (int) ((v - range[0]) * scale);
				hist[b < 0 ? 0 : b >= BINS ? BINS - 1 : b]++;
			}
		}
		return bad;
	}

	/** The value below which {@code pct} percent of the counted pixels lie (bin-resolution). */
	private static float percentile(long[] hist, double pct, float[] range) {
		long total = 0;
		for (long h : hist) total += h;
		if (total == 0) return range[0];
		double target = pct / 100.0 * (total - 1);
		long seen = 0;
		double width = (range[1] - (double) range[0]) / (BINS - 1);
		for (int b = 0; b < BINS; b++) {
			seen += hist[b];
			if (seen > target) return (float) (range[0] + b * width);
		}
		return range[1];
	}
}
