package org.mvpseg.image;

/**
 * A resized view of another source (bilinear, pixel centres aligned as align_corners = false),
 * computed on the fly rectangle by rectangle.
 */
public final class ScaledSource extends AbstractImageSource {

	private final ImageSource src;

	public ScaledSource(ImageSource src, int width, int height) {
		super(width, height, src.channels(), src.kind(), scaled(src.calibration(), src, width, height));
		this.src = src;
	}

	/** The size whose short side is {@code shortSide}, keeping the aspect ratio. */
	public static int[] sizeForShortSide(int w, int h, int shortSide) {
		return sizeForShortSide(w, h, shortSide, Integer.MAX_VALUE);
	}

	/** As mmseg's keep-ratio Resize to (longSide, shortSide): the largest scale that fits both. */
	public static int[] sizeForShortSide(int w, int h, int shortSide, int longSide) {
		double s = Math.min(shortSide / (double) Math.min(w, h), longSide / (double) Math.max(w, h));
		return new int[] { Math.max(1, (int) Math.round(w * s)), Math.max(1, (int) Math.round(h * s)) };
	}





	private static Calibration scaled(Calibration c, ImageSource src, int width, int height) {
		return new Calibration(c.pixelWidth() * src.width() / width, c.pixelHeight() * src.height() / height, c.unit());
	}

	@Override
	public void read(int c, int x, int y, int w, int h, float[] dst) {
		double sx = src.width() / (double) width(), sy = src.height() / (double) height();
		int[] x0 = new int[w], x1 = new int[w];
		float[] fx = new float[w];
		int minX = Integer.MAX_VALUE, maxX = 0;
		for (int i = 0; i < w; i++) {
			double p = Math.min(Math.max((x + i + 0.5) * sx - 0.5, 0), src.width() - 1);
			x0[i] = (int) p;
			x1[i] = Math.min(x0[i] + 1, src.width() - 1);
			fx[i] = (float) (p - x0[i]);
			minX = Math.min(minX, x0[i]);
			maxX = Math.max(maxX, x1[i]);
		}
		double top = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), src.height() - 1);
		double bottom = Math.min(Math.max((y + h - 1 + 0.5) * sy - 0.5, 0), src.height() - 1);
		int r0 = (int) top, r1 = Math.min((int) bottom + 1, src.height() - 1);
		int bw = maxX - minX + 1, bh = r1 - r0 + 1;
		float[] block = new float[bw * bh];
		src.read(c, minX, r0, bw, bh, block);
		for (int j = 0; j < h; j++) {
			double p = Math.min(Math.max((y + j + 0.5) * sy - 0.5, 0), src.height() - 1);
			int ya = (int) p, yb = Math.min(ya + 1, src.height() - 1);
			float fy = (float) (p - ya);
			int ra = (ya - r0) * bw, rb = (yb - r0) * bw;
			for (int i = 0; i < w; i++) {
				int a = x0[i] - minX, b = x1[i] - minX;
				float top2 = block[ra + a] + fx[i] * (block[ra + b] - block[ra + a]);
				float bot2 = block[rb + a] + fx[i] * (block[rb + b] - block[rb + a]);
				dst[j * w + i] = top2 + fy * (bot2 - top2);
			}
		}
	}
}
