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
		int[] map = channelMap(src, channels);
		if (!(lowPercentile >= 0 && highPercentile <= 100 && lowPercentile < highPercentile))
			throw new IllegalArgumentException("Percentiles must satisfy 0 <= low < high <= 100, got " + lowPercentile
				+ " and " + highPercentile + ".");
		Rect whole = Rect.of(src);
		IntensityStats stats = IntensityStats.range(src, map, whole);
		if (IntensityStats.needsHistogram(src.kind())) stats = stats.histograms(src, whole);
		return of(src, channels, stats.scaling(lowPercentile, highPercentile, (long) src.width() * src.height()));
	}

	/**
	 * With a scaling measured beforehand: a tile of a huge image scaled with the whole image's percentiles
	 * ({@link IntensityStats}).
	 */
	public static ClipInput of(ImageSource src, int[] channels, Scaling scaling) {
		int[] map = channelMap(src, channels);
		if (scaling.lo().length != src.channels()) throw new IllegalArgumentException("The scaling is for "
			+ scaling.lo().length + " channel(s); the image has " + src.channels() + ".");
		return new ClipInput(src, map, scaling.lo().clone(), scaling.hi().clone(), scaling.nonFinite());
	}

	/**
	 * Per source channel, the values mapped to 0 and 1, and how many NaN/±Inf values were left out (summed over the
	 * channels used).
	 */
	public record Scaling(float[] lo, float[] hi, long nonFinite) implements java.io.Serializable {}

	/** Source channels feeding R, G, B (-1: black), as {@link #of(ImageSource, int[], double, double)} chooses them. */
	public static int[] channelMap(ImageSource src, int[] channels) {
		if (src.width() <= 0 || src.height() <= 0) throw new IllegalArgumentException("The image is empty ("
			+ src.width() + "x" + src.height() + ").");
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
}
