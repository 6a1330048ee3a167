package org.mvpseg.image;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Turns any {@link ImageSource} into CLIP's input: three channels in [0, 1], normalised with CLIP's
 * mean and std (docs/formulas.md §2). Grey is replicated; 8-bit values are divided by 255; 16- and 32-bit
 * values are scaled between robust percentiles (default 0.5 and 99.5), computed in streaming passes
 * so even whole-slide images need no float copy. NaN and ±Inf are left out of the percentiles,
 * counted, and become the mean colour (0 after normalisation).
 */
public final class ClipInput {

	public static final float[] MEAN = { 0.48145466f, 0.4578275f, 0.40821073f };
	public static final float[] STD = { 0.26862954f, 0.26130258f, 0.27577711f };

	private static final int BINS = 65536;
	private static final int ROWS_PER_PASS = 256;

	private final ImageSource src;
	private final int[] map; // source channel feeding R, G, B (-1: black)
	private final float[] lo, hi; // per source channel
	private final long nonFinite;

	private ClipInput(ImageSource src, int[] map, float[] lo, float[] hi, long nonFinite) {
		this.src = src;
		this.map = map;
		this.lo = lo;
		this.hi = hi;
		this.nonFinite = nonFinite;
	}

	/** Default channels and the 0.5/99.5 percentiles. */
	public static ClipInput of(ImageSource src) {
		return of(src, null, 0.5, 99.5);
	}

	/**
	 * @param channels source channels (0-based) for R, G, B; one channel is replicated; null chooses:
	 *          grey replicated, RGB as is, otherwise the first three channels
	 */
	public static ClipInput of(ImageSource src, int[] channels, double lowPercentile, double highPercentile) {
		if (src.width() <= 0 || src.height() <= 0) throw new IllegalArgumentException("The image is empty ("
			+ src.width() + "x" + src.height() + ").");
		if (!(lowPercentile >= 0 && highPercentile <= 100 && lowPercentile < highPercentile))
			throw new IllegalArgumentException("Percentiles must satisfy 0 <= low < high <= 100, got " + lowPercentile
				+ " and " + highPercentile + ".");
		int[] map = channelMap(src, channels);
		float[] lo = new float[src.channels()], hi = new float[src.channels()];
		long nonFinite = 0;
		for (int c = 0; c < src.channels(); c++) {
			final int ch = c;
			if (Arrays.stream(map).noneMatch(m -> m == ch)) continue;
			if (src.kind() == ImageSource.Kind.U8) {
				lo[c] = 0;
				hi[c] = 255;
				continue;
			}
			float[] range = src.kind() == ImageSource.Kind.U16 ? new float[] { 0, 65535 } : finiteRange(src, c);
			long[] hist = new long[BINS];
			long bad = histogram(src, c, range[0], range[1], hist);
			nonFinite += bad; // counted per channel used
			if (bad == (long) src.width() * src.height()) throw new IllegalArgumentException("Channel " + (c + 1)
				+ " has no finite pixel (every value is NaN or infinite): there is nothing to segment.");
			lo[c] = percentile(hist, lowPercentile, range);
			hi[c] = percentile(hist, highPercentile, range);
			if (!(hi[c] > lo[c])) hi[c] = lo[c] + 1; // a constant image maps to one grey
		}
		return new ClipInput(src, map, lo, hi, nonFinite);
	}

	private static int[] channelMap(ImageSource src, int[] channels) {
		int n = src.channels();
		if (channels == null) {
			if (n == 1) return new int[] { 0, 0, 0 };
			return new int[] { 0, n > 1 ? 1 : -1, n > 2 ? 2 : -1 };
		}
		if (channels.length != 1 && channels.length != 3) throw new IllegalArgumentException(
			"Choose one channel (shown as grey) or three (shown as R, G, B); got " + channels.length + ".");
		for (int c : channels) if (c < -1 || c >= n) throw new IllegalArgumentException("Channel " + (c + 1)
			+ " does not exist; the image has " + n + " channel(s).");
		return channels.length == 1 ? new int[] { channels[0], channels[0], channels[0] } : channels.clone();
	}

	/** The same image resized (bilinear), with the same channel choice and intensity scaling. */
	public ClipInput resized(int width, int height) {
		return new ClipInput(new ScaledSource(src, width, height), map, lo, hi, nonFinite);
	}

	public int width() {
		return src.width();
	}

	public int height() {
		return src.height();
	}

	public ImageSource source() {
		return src;
	}

	/** NaN or infinite values in the channels used, summed over channels (0 for 8/16-bit). */
	public long nonFiniteCount() {
		return nonFinite;
	}

	/** How the values were scaled, for the log and the summary. */
	public String scalingDescription() {
		StringBuilder sb = new StringBuilder();
		String[] rgb = { "R", "G", "B" };
		for (int i = 0; i < 3; i++) {
			if (i > 0) sb.append("; ");
			sb.append(rgb[i]).append(" = ");
			if (map[i] < 0) sb.append("black");
			else sb.append("channel ").append(map[i] + 1).append(String.format(" [%.6g, %.6g]", lo[map[i]], hi[map[i]]));
		}
		List<Integer> unused = unusedChannels();
		if (!unused.isEmpty()) sb.append("; channel(s) ").append(unused.stream().map(String::valueOf).collect(Collectors
			.joining(", "))).append(" of ").append(src.channels()).append(" not used (choose with channels)");
		return sb.toString();
	}

	/** Source channels (counted from 1) that feed none of R, G, B. */
	public List<Integer> unusedChannels() {
		List<Integer> out = new ArrayList<>();
		for (int c = 0; c < src.channels(); c++) {
			final int ch = c;
			if (Arrays.stream(map).noneMatch(m -> m == ch)) out.add(c + 1);
		}
		return out;
	}

	/**
	 * Writes the CLIP-normalised rectangle ({@code x, y, w, h} inside the image) into {@code dst} at
	 * {@code offset} as [3][outH][outW]; the area beyond {@code w, h} (padding) gets the mean colour.
	 */
	public void window(int x, int y, int w, int h, int outW, int outH, float[] dst, int offset) {
		float[] buf = new float[w * h];
		int cachedChannel = -2;
		for (int k = 0; k < 3; k++) {
			int base = offset + k * outW * outH;
			Arrays.fill(dst, base, base + outW * outH, 0f);
			int c = map[k];
			float scale = 0, shift;
			if (c >= 0) {
				if (c != cachedChannel) {
					src.read(c, x, y, w, h, buf);
					cachedChannel = c;
				}
				scale = 1f / (hi[c] - lo[c]);
			}
			for (int r = 0; r < h; r++) {
				for (int i = 0; i < w; i++) {
					float v = c < 0 ? 0 : buf[r * w + i];
					float n;
					if (!Float.isFinite(v)) n = 0f;
					else {
						shift = (v - (c < 0 ? 0 : lo[c])) * scale;
						shift = shift < 0 ? 0 : shift > 1 ? 1 : shift;
						n = (shift - MEAN[k]) / STD[k];
					}
					dst[base + r * outW + i] = n;
				}
			}
		}
	}

	private static float[] finiteRange(ImageSource src, int c) {
		float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
		float[] buf = new float[src.width() * Math.min(ROWS_PER_PASS, src.height())];
		for (int y = 0; y < src.height(); y += ROWS_PER_PASS) {
			int rows = Math.min(ROWS_PER_PASS, src.height() - y);
			src.read(c, 0, y, src.width(), rows, buf);
			for (int i = 0; i < rows * src.width(); i++) {
				float v = buf[i];
				if (Float.isFinite(v)) {
					if (v < min) min = v;
					if (v > max) max = v;
				}
			}
		}
		if (min > max) return new float[] { 0, 1 }; // nothing finite
		return new float[] { min, max };
	}

	/** Fills {@code hist} over [lo, hi] and returns the number of non-finite values. */
	private static long histogram(ImageSource src, int c, float lo, float hi, long[] hist) {
		float[] buf = new float[src.width() * Math.min(ROWS_PER_PASS, src.height())];
		double scale = hi > lo ? (BINS - 1) / ((double) hi - lo) : 0;
		long bad = 0;
		for (int y = 0; y < src.height(); y += ROWS_PER_PASS) {
			int rows = Math.min(ROWS_PER_PASS, src.height() - y);
			src.read(c, 0, y, src.width(), rows, buf);
			for (int i = 0; i < rows * src.width(); i++) {
				float v = buf[i];
				if (!Float.isFinite(v)) {
					bad++;
					continue;
				}
				int b = (int) ((v - lo) * scale);
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
