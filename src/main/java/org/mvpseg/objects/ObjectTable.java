package org.mvpseg.objects;

import org.mvpseg.image.ImageSource.Calibration;

import java.util.List;

/**
 * The objects of one image, numbered 1, 2, … in raster order of their first pixel, with what each measures (the
 * objects CSV, Fiji's results table, the summary's counts: docs/file-formats.md › Objects).
 */
public final class ObjectTable {

	/** The columns of {@link #row}, as the CSV and Fiji's table name them. */
	public static final List<String> COLUMNS = List.of("object", "class", "label", "pixels", "area", "centroid_x",
		"centroid_y", "bbox_x", "bbox_y", "bbox_width", "bbox_height", "mean_probability");

	private final int[] cls;
	private final long[] pixels, sumX, sumY;
	private final double[] sumP;
	private final int[] bx, by, bw, bh; // four arrays, not an int[4] per object: 32 bytes less each
	private final long[] dropped;

	ObjectTable(int count, long[] dropped) {
		cls = new int[count];
		pixels = new long[count];
		sumX = new long[count];
		sumY = new long[count];
		sumP = new double[count];
		bx = new int[count];
		by = new int[count];
		bw = new int[count];
		bh = new int[count];
		this.dropped = dropped;
	}

	void set(int i, int c, long n, long sx, long sy, double sp, int x, int y, int w, int h) {
		cls[i] = c;
		pixels[i] = n;
		sumX[i] = sx;
		sumY[i] = sy;
		sumP[i] = sp;
		bx[i] = x;
		by[i] = y;
		bw[i] = w;
		bh[i] = h;
	}

	public int size() {
		return cls.length;
	}

	/** The label value (class) of object {@code i + 1}. */
	public int label(int i) {
		return cls[i];
	}

	public long pixels(int i) {
		return pixels[i];
	}

	/** x, y, width, height in pixels. */
	public int[] bbox(int i) {
		return new int[] { bx[i], by[i], bw[i], bh[i] };
	}

	/** Centroid in pixels, pixel centres at +0.5 (as ImageJ measures). */
	public double centroidX(int i) {
		return sumX[i] / (double) pixels[i] + 0.5;
	}

	public double centroidY(int i) {
		return sumY[i] / (double) pixels[i] + 0.5;
	}

	/** The object's mean probability of its own class. */
	public double meanProbability(int i) {
		return sumP[i] / pixels[i];
	}

	/** Objects per class (by label value). */
	public long[] counts() {
		long[] c = new long[dropped.length];
		for (int k : cls) c[k]++;
		return c;
	}

	/** Objects below the minimum size, per class, left out of the table and the object image. */
	public long[] dropped() {
		return dropped.clone();
	}

	/** Object {@code i + 1} in {@link #COLUMNS}' order; area and centroid calibrated by {@code cal}. */
	public Object[] row(int i, List<String> classNames, Calibration cal) {
		return new Object[] { i + 1, classNames.get(cls[i]), cls[i], pixels[i], pixels[i] * cal.pixelWidth() * cal
			.pixelHeight(), centroidX(i) * cal.pixelWidth(), centroidY(i) * cal.pixelHeight(), bx[i], by[i], bw[i], bh[i],
			meanProbability(i) };
	}
}
