package org.mvpseg.fiji;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.gui.Roi;
import ij.measure.Calibration;
import ij.measure.ResultsTable;
import ij.plugin.filter.ThresholdToSelection;
import ij.plugin.frame.RoiManager;
import ij.process.ByteProcessor;
import ij.process.FloatProcessor;
import ij.process.ImageProcessor;
import ij.process.ShortProcessor;
import org.mvpseg.objects.ObjectLabeller;
import org.mvpseg.objects.ObjectOptions;
import org.mvpseg.objects.ObjectTable;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Segment by Name's objects (docs/fiji.md › Objects): per plane, the connected components of the chosen classes
 * (the core's {@link ObjectLabeller}, as on the command line), then an object label image with a Glasbey-style LUT,
 * one ROI per object named "class #k (image)" with the class as its ROI group, and one results-table row per object.
 */
final class ObjectOutputs {

	/** ROI property with the object's id in the object image. */
	static final String ROI_OBJECT = "mvpseg.object";

	private final ImagePlus imp;
	private final List<String> classes;
	private final ObjectOptions options;
	private final boolean manyPlanes;
	private final List<int[]> ids = new ArrayList<>(); // per plane, until the image is built
	private final List<String> planeNames = new ArrayList<>();
	private final ResultsTable table = new ResultsTable();
	private final List<Roi> rois = new ArrayList<>();
	private int most;
	private final long[] kept, dropped; // per class, over all planes

	ObjectOutputs(ImagePlus imp, List<String> classes, ObjectOptions options, boolean manyPlanes) {
		this.imp = imp;
		this.classes = classes;
		this.options = options;
		this.manyPlanes = manyPlanes;
		this.kept = new long[classes.size()];
		this.dropped = new long[classes.size()];
		options.chosen(classes); // an unknown class name is refused before the first plane
	}

	/** Splits one plane's labels into objects; {@code prob}: [class][pixel], for each object's mean probability. */
	void addPlane(int z, int t, ImageProcessor labels, float[][] prob, boolean wantRois) throws IOException {
		int w = imp.getWidth(), h = imp.getHeight();
		int[] l = new int[w * h];
		for (int i = 0; i < l.length; i++) l[i] = labels.get(i);
		int[] planeIds = new int[w * h];
		ObjectTable objects;
		Path scratch = Files.createTempFile("mvpseg-objects", ".runs");
		try (ObjectLabeller labeller = new ObjectLabeller(w, options.chosen(classes), options.connectivity(), scratch)) {
			labeller.rows(h, l, org.mvpseg.io.SegmentationFiles.ownProbability(prob, l, l.length));
			objects = labeller.finish(options.minSize());
			labeller.relabel(h, (y0, rows, v) -> System.arraycopy(v, 0, planeIds, y0 * w, rows * w));
		}
		String planeName = manyPlanes ? " z=" + z + " t=" + t : "";
		ids.add(planeIds);
		planeNames.add("objects" + planeName);
		most = Math.max(most, objects.size());
		long[] planeKept = objects.counts(), planeDropped = objects.dropped();
		for (int c = 0; c < kept.length; c++) {
			kept[c] += planeKept[c];
			dropped[c] += planeDropped[c];
		}
		int[] perClass = new int[classes.size()];
		for (int i = 0; i < objects.size(); i++) {
			int k = ++perClass[objects.label(i)];
			tableRow(objects, i, k, z, t);
			if (wantRois) roi(objects, i, k, planeIds, z, t, planeName);
		}
	}

	private void tableRow(ObjectTable o, int i, int k, int z, int t) {
		Object[] v = o.row(i, classes, new org.mvpseg.image.ImageSource.Calibration(cal().pixelWidth, cal().pixelHeight,
			cal().getUnit()));
		table.incrementCounter();
		table.addValue("Image", imp.getTitle());
		table.addValue("Object", i + 1);
		table.addValue("Class", classes.get(o.label(i)));
		table.addValue("Label", o.label(i));
		table.addValue("Number in class", k);
		if (manyPlanes) {
			table.addValue("Z", z);
			table.addValue("T", t);
		}
		String[] names = { "Pixels", "Area", "Centroid X", "Centroid Y", "BX", "BY", "Width", "Height",
			"Mean probability" };
		for (int c = 0; c < names.length; c++) table.addValue(names[c], ((Number) v[c + 3]).doubleValue());
	}

	private Calibration cal() {
		return imp.getCalibration();
	}

	/** The object's outline, traced from its bounding box only (never the whole plane: thousands of objects). */
	private void roi(ObjectTable o, int i, int k, int[] planeIds, int z, int t, String planeName) {
		int[] b = o.bbox(i);
		ByteProcessor mask = new ByteProcessor(b[2], b[3]);
		for (int y = 0; y < b[3]; y++)
			for (int x = 0; x < b[2]; x++) if (planeIds[(b[1] + y) * imp.getWidth() + b[0] + x] == i + 1) mask.set(x, y, 255);
		mask.setThreshold(255, 255, ImageProcessor.NO_LUT_UPDATE);
		Roi roi = ThresholdToSelection.run(new ImagePlus("mask", mask));
		if (roi == null) return;
		roi.setLocation(roi.getXBase() + b[0], roi.getYBase() + b[1]);
		String cls = classes.get(o.label(i));
		roi.setName(cls + " #" + k + " (" + imp.getTitle() + planeName + ")");
		roi.setGroup(Math.min(255, o.label(i) + 1)); // group = class: the ROI Manager shows one class at a time
		roi.setProperty(ImageOutputs.ROI_IMAGE, imp.getTitle());
		roi.setProperty(ImageOutputs.ROI_CLASS, cls);
		roi.setProperty(ImageOutputs.ROI_LABEL, String.valueOf(o.label(i)));
		roi.setProperty(ROI_OBJECT, String.valueOf(i + 1));
		if (imp.isHyperStack() || imp.getStackSize() > 1) roi.setPosition(imp.getC(), z, t);
		rois.add(roi);
	}

	/**
	 * Adds the ROIs to {@code rm} in one go, its list hidden meanwhile: added one by one with the list showing, 10 000
	 * ROIs would repaint the list 10 000 times (README › Performance). Returns how many were added.
	 */
	int addRois(RoiManager rm) {
		if (rm == null || rois.isEmpty()) return 0;
		boolean visible = rm.isVisible();
		if (visible) rm.setVisible(false);
		try {
			for (Roi r : rois) rm.add(imp, r, -1); // as Analyze Particles adds: no recorder line, no repaint per ROI
		}
		finally {
			if (visible) rm.setVisible(true);
		}
		return rois.size();
	}

	/** The object label image: 16-bit up to 65 535 objects per plane, 32-bit beyond; a Glasbey-style LUT. */
	ImagePlus image(String provenance) {
		int w = imp.getWidth(), h = imp.getHeight();
		ImageStack stack = new ImageStack(w, h);
		for (int p = 0; p < ids.size(); p++) {
			int[] v = ids.get(p);
			ImageProcessor ip = most <= 65535 ? new ShortProcessor(w, h) : new FloatProcessor(w, h);
			for (int i = 0; i < v.length; i++) ip.setf(i, v[i]);
			stack.addSlice(planeNames.get(p), ip);
		}
		ImagePlus out = new ImagePlus(imp.getShortTitle() + "-objects", stack);
		out.setDimensions(1, stack.size() > 1 ? imp.getNSlices() : 1, stack.size() > 1 ? imp.getNFrames() : 1);
		out.setCalibration(imp.getCalibration().copy());
		out.setProp("objects", String.valueOf(most));
		out.setProperty("Info", "Object ids (0 = no object; 1, 2, … in raster order of each object's first pixel) of "
			+ options.describe() + "\n\n" + provenance);
		out.setLut(glasbey());
		out.setDisplayRange(0, Math.max(255, Math.min(most, 65535)));
		return out;
	}

	/**
	 * Distinct neighbouring colours, 0 black: golden-ratio hues at alternating brightness (Glasbey's table itself is
	 * computed, not shipped; this spreads colours the same way for the first few hundred ids).
	 */
	static ij.process.LUT glasbey() {
		byte[] r = new byte[256], g = new byte[256], b = new byte[256];
		for (int i = 1; i < 256; i++) {
			java.awt.Color c = java.awt.Color.getHSBColor((float) ((i * 0.618033988749895) % 1), i % 3 == 0 ? 0.55f
				: 0.95f, i % 2 == 0 ? 0.75f : 1f);
			r[i] = (byte) c.getRed();
			g[i] = (byte) c.getGreen();
			b[i] = (byte) c.getBlue();
		}
		return new ij.process.LUT(r, g, b);
	}

	ResultsTable table() {
		return table;
	}

	int count() {
		return table.size();
	}

	/** For the Log: "objects: nucleus 12, cell 3 (8-connected)". */
	/** The Log's line, as the command line prints it: every chosen class, 0 included, and what was dropped. */
	String summary() {
		return "MVP-SEG objects: " + options.describeCounts(classes, kept, dropped) + " — " + options.describe();
	}
}
