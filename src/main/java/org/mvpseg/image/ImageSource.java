package org.mvpseg.image;

/**
 * A 2-D multi-channel image read rectangle by rectangle, so nothing forces a whole-slide image
 * into memory as floats. Implementations wrap pixel arrays without copying (ImageJ processors,
 * ImgLib2 images, plain arrays).
 */
public interface ImageSource {

	/** How pixel values are stored, which decides how they are scaled to [0, 1]. */
	enum Kind {
		/** 8-bit grey or 8-bit channels of RGB: value / 255. */
		U8,
		/** 16-bit: robust percentiles. */
		U16,
		/** 32-bit float: robust percentiles; NaN and ±Inf left out. */
		F32
	}

	int width();

	int height();

	int channels();

	Kind kind();

	/** Physical size of a pixel; {@link Calibration#NONE} when unknown. */
	default Calibration calibration() {
		return Calibration.NONE;
	}

	/** Reads channel {@code c} of the rectangle into {@code dst} (row-major, {@code w·h} values). */
	void read(int c, int x, int y, int w, int h, float[] dst);

	/** Pixel size and its unit, copied to every output. */
	record Calibration(double pixelWidth, double pixelHeight, String unit) implements java.io.Serializable {
		public static final Calibration NONE = new Calibration(1, 1, "pixel");

		public boolean isCalibrated() {
			return !unit.equals("pixel") && !unit.isEmpty();
		}
	}
}
