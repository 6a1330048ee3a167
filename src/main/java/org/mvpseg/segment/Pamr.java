package org.mvpseg.segment;

/**
 * Pixel-adaptive mask refinement (PAMR; Araslanov &amp; Roth, CVPR 2020), as NACLIP applies it to
 * class scores (docs/formulas.md §7): each pixel's affinity to its 8 neighbours at every dilation comes from
 * the image, −|I(x) − I(y)| / (1e-8 + 0.1·σ_local(x)), averaged over image channels and softmaxed over the
 * neighbours; then the scores are replaced, {@code iterations} times, by the affinity-weighted sum
 * of the neighbours' scores. Borders repeat the edge pixel (replicate padding); σ_local is the unbiased
 * standard deviation of the 3×3 taps at every dilation, centre included. NACLIP: 10 iterations,
 * dilations 8 and 16.
 */
public record Pamr(int iterations, int... dilations) {

	/** NACLIP's setting (sinahmr/NACLIP naclip.py: pamr_steps=10, pamr_stride=(8, 16)). */
	public static final Pamr NACLIP = new Pamr(10, 8, 16);

	public Pamr {
		if (iterations < 1 || dilations.length == 0) throw new IllegalArgumentException("PAMR needs iterations and dilations");
		dilations = dilations.clone();
	}

	/** The 8 neighbours of the 3×3 tap in PAMR's order (row by row, centre left out), as (dy, dx). */
	private static final int[][] NEIGHBOURS = { { -1, -1 }, { -1, 0 }, { -1, 1 }, { 0, -1 }, { 0, 1 }, { 1, -1 },
		{ 1, 0 }, { 1, 1 } };

	/**
	 * Refines {@code scores} [C][h·w] in place, guided by {@code image} [K][h·w] (both row-major planes
	 * starting at {@code imageOffset} and 0).
	 */
	public void refine(float[] image, int imageOffset, int channels, float[] scores, int classes, int h, int w) {
		int n = h * w, taps = NEIGHBOURS.length * dilations.length;
		int[] index = neighbourIndex(h, w); // [taps][n]: where each tap reads, edges repeated
		float[] affinity = affinity(image, imageOffset, channels, index, h, w);
		float[] next = new float[n];
		for (int it = 0; it < iterations; it++) {
			for (int c = 0; c < classes; c++) {
				int base = c * n;
				java.util.Arrays.fill(next, 0f);
				for (int t = 0; t < taps; t++) {
					int ti = t * n;
					for (int i = 0; i < n; i++) next[i] += scores[base + index[ti + i]] * affinity[ti + i];
				}
				System.arraycopy(next, 0, scores, base, n);
			}
		}
	}

	/** [taps][n] softmax over taps of the mean over channels of −|I(x) − I(y)| / (1e-8 + 0.1·σ(x)). */
	private float[] affinity(float[] image, int offset, int channels, int[] index, int h, int w) {
		int n = h * w, taps = NEIGHBOURS.length * dilations.length;
		float[] a = new float[taps * n];
		for (int k = 0; k < channels; k++) {
			int base = offset + k * n;
			float[] sigma = localStd(image, base, h, w);
			for (int t = 0; t < taps; t++)
				for (int i = 0; i < n; i++)
					a[t * n + i] -= Math.abs(image[base + i] - image[base + index[t * n + i]]) / (1e-8f + 0.1f * sigma[i])
						/ channels;
		}
		for (int i = 0; i < n; i++) { // softmax over the taps
			float max = Float.NEGATIVE_INFINITY;
			for (int t = 0; t < taps; t++) max = Math.max(max, a[t * n + i]);
			double sum = 0;
			for (int t = 0; t < taps; t++) sum += a[t * n + i] = (float) Math.exp(a[t * n + i] - max);
			for (int t = 0; t < taps; t++) a[t * n + i] /= sum;
		}
		return a;
	}

	/** Unbiased standard deviation of the 9 taps (centre included) at every dilation, per pixel. */
	private float[] localStd(float[] image, int base, int h, int w) {
		int n = h * w, count = 9 * dilations.length;
		float[] s = new float[n];
		double[] v = new double[count];
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++) {
				int j = 0;
				for (int d : dilations)
					for (int dy = -1; dy <= 1; dy++)
						for (int dx = -1; dx <= 1; dx++) v[j++] = image[base + clamp(y + dy * d, h) * w + clamp(x + dx * d, w)];
				double mean = 0, ss = 0;
				for (double e : v) mean += e;
				mean /= count;
				for (double e : v) ss += (e - mean) * (e - mean);
				s[y * w + x] = (float) Math.sqrt(ss / (count - 1));
			}
		return s;
	}

	/** For each tap (dilation-major, then PAMR's neighbour order) and pixel, the pixel it reads. */
	private int[] neighbourIndex(int h, int w) {
		int n = h * w;
		int[] index = new int[NEIGHBOURS.length * dilations.length * n];
		int t = 0;
		for (int d : dilations)
			for (int[] o : NEIGHBOURS) {
				for (int y = 0; y < h; y++)
					for (int x = 0; x < w; x++) index[t * n + y * w + x] = clamp(y + o[0] * d, h) * w + clamp(x + o[1] * d, w);
				t++;
			}
		return index;
	}

	private static int clamp(int v, int size) {
		return v < 0 ? 0 : v >= size ? size - 1 : v;
	}

	@Override
	public String toString() {
		return "PAMR " + iterations + " iterations, dilations " + java.util.Arrays.toString(dilations);
	}
}
