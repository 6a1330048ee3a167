package org.mvpseg.image;

/** An {@link ImageSource} over planar Java arrays (byte, short or float per channel), not copied. */
public final class ArrayImage extends AbstractImageSource {

	private final int width;
	private final Object[] planes;

	private ArrayImage(int width, int height, Object[] planes, Kind kind, Calibration calibration) {
		super(width, height, planes.length, kind, calibration);
		for (Object p : planes) {
			int n = p instanceof byte[] b ? b.length : p instanceof short[] s ? s.length : p instanceof int[] i ? i.length
				: ((float[]) p).length;
			if (n != width * height) throw new IllegalArgumentException("plane has " + n + " values, expected "
				+ width * height);
		}
		this.width = width;
		this.planes = planes;
	}

	public static ArrayImage ofBytes(int width, int height, Calibration cal, byte[]... planes) {
		return new ArrayImage(width, height, planes, Kind.U8, cal);
	}

	public static ArrayImage ofShorts(int width, int height, Calibration cal, short[]... planes) {
		return new ArrayImage(width, height, planes, Kind.U16, cal);
	}

	public static ArrayImage ofFloats(int width, int height, Calibration cal, float[]... planes) {
		return new ArrayImage(width, height, planes, Kind.F32, cal);
	}

	/** Packed 0xRRGGBB pixels (ImageJ's ColorProcessor layout) as three 8-bit channels. */
	public static ImageSource ofRgb(int width, int height, Calibration cal, int[] rgb) {
		if (rgb.length != width * height) throw new IllegalArgumentException("RGB array has " + rgb.length
			+ " pixels, expected " + width * height);
		return new ArrayImage(width, height, new Object[] { rgb, rgb, rgb }, Kind.U8, cal);
	}

	/**
	 * Copies a rectangle of one plane (byte, short, float, or packed RGB where {@code c} picks the
	 * channel) of a {@code stride}-wide image into {@code dst} as floats. Shared by every
	 * array-backed source, ImageJ's included.
	 */
	public static void readPlane(Object plane, int c, int stride, int x, int y, int w, int h, float[] dst) {
		for (int r = 0; r < h; r++) {
			int src = (y + r) * stride + x, o = r * w;
			if (plane instanceof byte[] b) for (int i = 0; i < w; i++) dst[o + i] = b[src + i] & 0xff;
			else if (plane instanceof short[] s) for (int i = 0; i < w; i++) dst[o + i] = s[src + i] & 0xffff;
			else if (plane instanceof int[] rgb) {
				int shift = 16 - 8 * c;
				for (int i = 0; i < w; i++) dst[o + i] = (rgb[src + i] >> shift) & 0xff;
			}
			else System.arraycopy((float[]) plane, src, dst, o, w);
		}
	}






	@Override
	public void read(int c, int x, int y, int w, int h, float[] dst) {
		readPlane(planes[c], c, width, x, y, w, h, dst);
	}
}
