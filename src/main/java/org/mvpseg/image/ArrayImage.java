package org.mvpseg.image;

/** An {@link ImageSource} over planar Java arrays (byte, short or float per channel), not copied. */
public final class ArrayImage implements ImageSource {

	private final int width, height;
	private final Object[] planes;
	private final Kind kind;
	private final Calibration calibration;

	private ArrayImage(int width, int height, Object[] planes, Kind kind, Calibration calibration) {
		for (Object p : planes) {
			int n = p instanceof byte[] b ? b.length : p instanceof short[] s ? s.length : ((float[]) p).length;
			if (n != width * height) throw new IllegalArgumentException("plane has " + n + " values, expected "
				+ width * height);
		}
		this.width = width;
		this.height = height;
		this.planes = planes;
		this.kind = kind;
		this.calibration = calibration;
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
		return new ImageSource() {
			@Override
			public int width() {
				return width;
			}

			@Override
			public int height() {
				return height;
			}

			@Override
			public int channels() {
				return 3;
			}

			@Override
			public Kind kind() {
				return Kind.U8;
			}

			@Override
			public Calibration calibration() {
				return cal;
			}

			@Override
			public void read(int c, int x, int y, int w, int h, float[] dst) {
				int shift = 16 - 8 * c;
				for (int r = 0; r < h; r++) {
					int src = (y + r) * width + x, o = r * w;
					for (int i = 0; i < w; i++) dst[o + i] = (rgb[src + i] >> shift) & 0xff;
				}
			}
		};
	}

	@Override
	public int width() {
		return width;
	}

	@Override
	public int height() {
		return height;
	}

	@Override
	public int channels() {
		return planes.length;
	}

	@Override
	public Kind kind() {
		return kind;
	}

	@Override
	public Calibration calibration() {
		return calibration;
	}

	@Override
	public void read(int c, int x, int y, int w, int h, float[] dst) {
		Object p = planes[c];
		for (int r = 0; r < h; r++) {
			int src = (y + r) * width + x, o = r * w;
			if (p instanceof byte[] b) for (int i = 0; i < w; i++) dst[o + i] = b[src + i] & 0xff;
			else if (p instanceof short[] s) for (int i = 0; i < w; i++) dst[o + i] = s[src + i] & 0xffff;
			else System.arraycopy((float[]) p, src, dst, o, w);
		}
	}
}
