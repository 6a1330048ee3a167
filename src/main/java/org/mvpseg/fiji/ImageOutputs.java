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
import ij.process.LUT;
import org.mvpseg.io.LabelColors;
import org.mvpseg.pipeline.Prepared;

import java.util.List;

/**
 * The ImageJ outputs of a segmentation, plane by plane: a label image with a colour per class, a
 * probability hyperstack (one channel per class), one ROI per class and plane added to the ROI
 * Manager without resetting it, and a results table.
 */
final class ImageOutputs {

	private final ImagePlus imp;
	private final List<String> classes;
	private final FijiSegmentation.Options options;
	private final org.mvpseg.pipeline.Resolved resolved;
	private final boolean manyPlanes, wide;
	private final ImageStack labelStack, probStack;
	private final ResultsTable table = new ResultsTable();
	private final RoiManager roiManager;
	private int rois;

	ImageOutputs(ImagePlus imp, org.mvpseg.pipeline.Resolved resolved, FijiSegmentation.Options options,
		boolean manyPlanes)
	{
		this.imp = imp;
		this.resolved = resolved;
		this.classes = resolved.classes();
		this.options = options;
		this.manyPlanes = manyPlanes;
		this.wide = classes.size() > 256;
		this.labelStack = new ImageStack(imp.getWidth(), imp.getHeight());
		this.probStack = new ImageStack(imp.getWidth(), imp.getHeight());
		this.roiManager = options.rois() ? roiManager() : null;
		if (roiManager != null && options.replaceRois()) removeEarlierRois();
	}

	/** ROI properties that name what an ROI shows, for macros ({@code Roi.getProperty}) and for replacing. */
	static final String ROI_IMAGE = "mvpseg.image", ROI_CLASS = "mvpseg.class", ROI_LABEL = "mvpseg.label";

	/** Deletes the ROIs earlier runs added for an image of this title (other ROIs stay). */
	private void removeEarlierRois() {
		List<Integer> mine = new java.util.ArrayList<>();
		Roi[] all = roiManager.getRoisAsArray();
		for (int i = 0; i < all.length; i++) if (imp.getTitle().equals(all[i].getProperty(ROI_IMAGE))) mine.add(i);
		if (mine.isEmpty()) return;
		roiManager.setSelectedIndexes(mine.stream().mapToInt(Integer::intValue).toArray());
		roiManager.runCommand("Delete");
	}

	/** The ROI Manager ROIs go to, or null (ROIs not asked for, or no display). */
	RoiManager manager() {
		return roiManager;
	}

	/** Whether labels need 16 bits (more than 256 classes). */
	boolean wide() {
		return wide;
	}

	void addPlane(int z, int t, ImageProcessor lab, float[][] prob, Prepared.ImageResult r) {
		String planeName = manyPlanes ? " z=" + z + " t=" + t : "";
		labelStack.addSlice("labels" + planeName, lab);
		for (int c = 0; c < classes.size(); c++) probStack.addSlice(classes.get(c) + planeName, new FloatProcessor(imp
			.getWidth(), imp.getHeight(), prob[c]));
		double[] presence = r.presence().map(p -> p.max()).orElse(null), meanProbability = r.result().meanProbability();
		for (int c = 0; c < classes.size(); c++) {
			long n = r.result().pixelCounts()[c];
			if (options.table()) tableRow(c, z, t, n, meanProbability[c], presence);
			if (roiManager != null && n > 0) addRoi(lab, c, z, t, planeName);
		}
	}

	private void tableRow(int c, int z, int t, long n, double meanProbability, double[] presence) {
		Calibration cal = imp.getCalibration();
		table.incrementCounter();
		table.addValue("Image", imp.getTitle()); // per-image tables are merged by users
		table.addValue("Class", classes.get(c));
		table.addValue("Label", c);
		if (manyPlanes) {
			table.addValue("Z", z);
			table.addValue("T", t);
		}
		table.addValue("Pixels", n);
		table.addValue("Area", n * cal.pixelWidth * cal.pixelHeight);
		table.addValue("Mean probability", meanProbability);
		if (presence != null) table.addValue("GPR presence", presence[c]);
		table.addValue("Method", resolved.method()); // the values used, as in the Info and the Log
		table.addValue("Window", resolved.windows().window());
		table.addValue("Stride", resolved.windows().stride());
	}

	private void addRoi(ImageProcessor lab, int c, int z, int t, String planeName) {
		byte[] mask = new byte[imp.getWidth() * imp.getHeight()];
		for (int i = 0; i < mask.length; i++) if (lab.get(i) == c) mask[i] = (byte) 255;
		ByteProcessor bp = new ByteProcessor(imp.getWidth(), imp.getHeight(), mask);
		bp.setThreshold(255, 255, ImageProcessor.NO_LUT_UPDATE);
		Roi roi = ThresholdToSelection.run(new ImagePlus("mask", bp));
		if (roi == null) return;
		// the image (and plane) in the name: repeated runs and many images don't pile up identical names
		roi.setName(classes.get(c) + " (" + imp.getTitle() + planeName + ")");
		roi.setProperty(ROI_IMAGE, imp.getTitle());
		roi.setProperty(ROI_CLASS, classes.get(c));
		roi.setProperty(ROI_LABEL, String.valueOf(c));
		if (imp.isHyperStack() || imp.getStackSize() > 1) roi.setPosition(imp.getC(), z, t);
		roiManager.addRoi(roi);
		rois++;
	}

	FijiSegmentation.Outputs finish(String provenance) {
		return new FijiSegmentation.Outputs(options.labels() ? labels(provenance) : null, options.probabilities()
			? probabilities(provenance) : null, options.table() ? table : null, rois, provenance);
	}

	private ImagePlus labels(String provenance) {
		ImagePlus labels = new ImagePlus(imp.getShortTitle() + "-labels", labelStack);
		labels.setDimensions(1, options.allPlanes() ? imp.getNSlices() : 1, options.allPlanes() ? imp.getNFrames() : 1);
		labels.setCalibration(imp.getCalibration().copy());
		StringBuilder legend = new StringBuilder("Classes (label value = name; 0 is the first class, not a background):\n");
		for (int c = 0; c < classes.size(); c++) {
			labels.setProp("class." + c, classes.get(c));
			legend.append(c).append(" = ").append(classes.get(c)).append('\n');
		}
		labels.setProp("classes", String.join(",", classes));
		labels.setProperty("Info", legend + "\n" + provenance);
		if (!wide) {
			byte[][] l = LabelColors.lut(classes.size());
			labels.setLut(new LUT(l[0], l[1], l[2]));
			labels.setDisplayRange(0, 255);
		}
		else labels.setDisplayRange(0, classes.size() - 1);
		return labels;
	}

	private ImagePlus probabilities(String provenance) {
		ImagePlus p = new ImagePlus(imp.getShortTitle() + "-probabilities", probStack);
		p.setDimensions(classes.size(), options.allPlanes() ? imp.getNSlices() : 1, options.allPlanes() ? imp
			.getNFrames() : 1);
		p.setOpenAsHyperStack(true);
		p.setCalibration(imp.getCalibration().copy());
		p.setProperty("Info", provenance);
		p.setDisplayRange(0, 1);
		return p;
	}

	/** The open ROI Manager, or a new one (hidden in batch mode); null where no window can exist. */
	private static RoiManager roiManager() {
		if (java.awt.GraphicsEnvironment.isHeadless()) {
			IJ.log("MVP-SEG: no ROIs without a display (the ROI Manager is a window); use the label image, or run "
				+ "ImageJ under Xvfb.");
			return null;
		}
		RoiManager rm = RoiManager.getInstance();
		if (rm != null) return rm;
		return ij.macro.Interpreter.isBatchMode() ? RoiManager.getRoiManager() : new RoiManager();
	}
}
