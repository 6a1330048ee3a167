package org.mvpseg.mvp;

import org.mvpseg.image.ClipInput;

import java.util.Random;

/**
 * The photometric distortion of the paper's training recipe, as mmseg's {@code PhotoMetricDistortion}
 * (docs/formulas.md §5): each with probability ½ — brightness + U(−32, 32); contrast × U(0.5, 1.5),
 * before or after the colour changes (a fair coin); saturation × U(0.5, 1.5); hue + U{−18..18} on
 * OpenCV's 0–180 hue scale (±36°). Values on the 0–255 scale, clipped after each step. Works on
 * CLIP-normalised planes: undone to RGB, distorted, normalised again.
 */
final class PhotometricDistortion {

	private PhotometricDistortion() {}

	/** Distorts the {@code w}×{@code h} top-left rectangle of the three {@code stride}-wide planes at {@code off}. */
	static void apply(float[] planes, int off, int stride, int w, int h, Random rnd) {
		int n = w * h;
		float[][] rgb = new float[3][n];
		for (int c = 0; c < 3; c++)
			for (int y = 0; y < h; y++)
				for (int x = 0; x < w; x++)
					rgb[c][y * w + x] = 255 * (planes[off + c * stride * stride + y * stride + x] * ClipInput.STD[c]
						+ ClipInput.MEAN[c]);
		if (rnd.nextBoolean()) affine(rgb, 1, rnd.nextDouble() * 64 - 32);
		boolean contrastFirst = rnd.nextBoolean();
		if (contrastFirst && rnd.nextBoolean()) affine(rgb, 0.5 + rnd.nextDouble(), 0);
		if (rnd.nextBoolean()) saturationAndHue(rgb, 0.5 + rnd.nextDouble(), 0);
		if (rnd.nextBoolean()) saturationAndHue(rgb, 1, 2 * (rnd.nextInt(37) - 18));
		if (!contrastFirst && rnd.nextBoolean()) affine(rgb, 0.5 + rnd.nextDouble(), 0);
		for (int c = 0; c < 3; c++)
			for (int y = 0; y < h; y++)
				for (int x = 0; x < w; x++)
					planes[off + c * stride * stride + y * stride + x] = (rgb[c][y * w + x] / 255 - ClipInput.MEAN[c])
						/ ClipInput.STD[c];
	}

	/** v·alpha + beta, clipped to [0, 255]. */
	private static void affine(float[][] rgb, double alpha, double beta) {
		for (float[] p : rgb)
			for (int i = 0; i < p.length; i++) p[i] = (float) Math.min(255, Math.max(0, p[i] * alpha + beta));
	}

	/** Saturation × {@code sat} and hue + {@code degrees}, through HSV. */
	private static void saturationAndHue(float[][] rgb, double sat, double degrees) {
		for (int i = 0; i < rgb[0].length; i++) {
			double r = rgb[0][i], g = rgb[1][i], b = rgb[2][i];
			double max = Math.max(r, Math.max(g, b)), min = Math.min(r, Math.min(g, b)), d = max - min;
			double hue = d == 0 ? 0 : max == r ? 60 * (((g - b) / d) % 6) : max == g ? 60 * ((b - r) / d + 2) : 60 * ((r
				- g) / d + 4);
			double s = max == 0 ? 0 : Math.min(1, d / max * sat), v = max;
			hue = ((hue + degrees) % 360 + 360) % 360;
			double c = v * s, x = c * (1 - Math.abs((hue / 60) % 2 - 1)), m = v - c;
			double[] o = hue < 60 ? new double[] { c, x, 0 } : hue < 120 ? new double[] { x, c, 0 } : hue < 180
				? new double[] { 0, c, x } : hue < 240 ? new double[] { 0, x, c } : hue < 300 ? new double[] { x, 0, c }
					: new double[] { c, 0, x };
			for (int k = 0; k < 3; k++) rgb[k][i] = (float) Math.min(255, Math.max(0, o[k] + m));
		}
	}
}
