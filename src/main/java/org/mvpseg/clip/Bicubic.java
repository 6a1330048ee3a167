package org.mvpseg.clip;

/**
 * PyTorch's {@code F.interpolate(mode="bicubic", align_corners=False, antialias=False)} as a
 * resampling matrix (cubic convolution, A = −0.75, clamped borders). DJL's own bicubic is the
 * antialiased variant and differs by up to 0.14, so positional embeddings are resized with this.
 */
public final class Bicubic {

	private static final double A = -0.75;

	private Bicubic() {}

	/** The [out, in] matrix R with {@code y = R x} for one axis. */
	public static double[][] matrix(int in, int out) {
		double[][] r = new double[out][in];
		double scale = (double) in / out;
		for (int o = 0; o < out; o++) {
			double src = scale * (o + 0.5) - 0.5; // no clamping at 0 for cubic, as PyTorch
			int i0 = (int) Math.floor(src);
			double t = src - i0;
			double[] c = { cubic2(t + 1), cubic1(t), cubic1(1 - t), cubic2(2 - t) };
			for (int k = 0; k < 4; k++) r[o][Math.min(Math.max(i0 - 1 + k, 0), in - 1)] += c[k];
		}
		return r;
	}

	/**
	 * Resizes a [inH·inW, C] row-major grid of vectors to [outH·outW, C].
	 */
	public static float[] resize(float[] grid, int inH, int inW, int c, int outH, int outW) {
		double[][] ry = matrix(inH, outH), rx = matrix(inW, outW);
		double[] tmp = new double[outH * inW * c];
		for (int y = 0; y < outH; y++)
			for (int i = 0; i < inH; i++) {
				double wy = ry[y][i];
				if (wy == 0) continue;
				for (int x = 0; x < inW; x++)
					for (int k = 0; k < c; k++) tmp[(y * inW + x) * c + k] += wy * grid[(i * inW + x) * c + k];
			}
		float[] out = new float[outH * outW * c];
		for (int y = 0; y < outH; y++)
			for (int x = 0; x < outW; x++)
				for (int j = 0; j < inW; j++) {
					double wx = rx[x][j];
					if (wx == 0) continue;
					for (int k = 0; k < c; k++) out[(y * outW + x) * c + k] += (float) (wx * tmp[(y * inW + j) * c + k]);
				}
		return out;
	}

	private static double cubic1(double x) {
		return ((A + 2) * x - (A + 3)) * x * x + 1;
	}

	private static double cubic2(double x) {
		return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
	}
}
