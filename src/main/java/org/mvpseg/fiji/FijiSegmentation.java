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
import ij.process.ShortProcessor;
import org.mvpseg.clip.ClipModel;
import org.mvpseg.image.ClipInput;
import org.mvpseg.io.LabelColors;
import org.mvpseg.models.ModelRegistry;
import org.mvpseg.models.ModelResolver;
import org.mvpseg.mvp.MvpClassifier;
import org.mvpseg.mvp.PromptSet;
import org.mvpseg.runtime.LoadedModels;
import org.mvpseg.runtime.Progress;
import org.mvpseg.segment.PixelClassifier;
import org.mvpseg.segment.SegmentOptions;
import org.mvpseg.segment.Segmenter;
import org.mvpseg.segment.Templates;
import org.mvpseg.segment.ZeroShotClassifier;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * "Segment by Name" for an ImagePlus, shared by the SciJava command and the ImageJ 1.x plugin:
 * segments the current plane or every Z/T plane and builds the ImageJ outputs — a label image with
 * a colour per class, a probability hyperstack (one channel per class), one ROI per class and plane
 * added to the ROI Manager without resetting it, and a results table. The input is never modified.
 */
public final class FijiSegmentation {

	/** Everything the dialog and the macro keys can set. Empty strings mean "default". */
	public record Options(String classes, String model, String weights, String prompts, String denseMode, int window,
		int stride,
		String template, String channels, boolean allPlanes, boolean labels, boolean probabilities, boolean rois,
		boolean table)
	{
		public static Options defaults(String classes) {
			return new Options(classes, ModelRegistry.DEFAULT_MODEL, "", "", "maskclip", 0, 0, "", "", false, true, true,
				true, true);
		}
	}

	/** What a run produced (images not yet shown). */
	public record Outputs(ImagePlus labels, ImagePlus probabilities, ResultsTable table, int roisAdded,
		String provenance) {}

	private FijiSegmentation() {}

	public static Outputs run(ImagePlus imp, Options o, Progress progress) throws IOException {
		if (imp == null) throw new IllegalArgumentException("No image: open one first.");
		List<String> classes = Templates.parseClassNames(o.classes());
		int[] channels = parseChannels(o.channels(), imp);
		ModelResolver.Resolved resolved = ModelResolver.resolve(o.weights(), o.model(), progress);
		Path weights = resolved.weights();
		ClipModel model = LoadedModels.get(weights);
		PromptSet prompts = o.prompts().isBlank() ? null : PromptSet.load(Path.of(o.prompts().strip()));
		if (prompts != null) prompts.checkBackbone(resolved.sha256(), model.config().textWidth());
		org.mvpseg.clip.DenseMode mode = org.mvpseg.clip.DenseMode.parse(o.denseMode().isBlank() ? "maskclip" : o
			.denseMode());
		Segmenter segmenter = Segmenter.of(model, LoadedModels.manager(), SegmentOptions.defaults().withWindow(o
			.window(), o.stride()), mode);
		int w = imp.getWidth(), h = imp.getHeight(), nc = classes.size();
		List<int[]> planes = new ArrayList<>();
		if (o.allPlanes()) {
			for (int t = 1; t <= imp.getNFrames(); t++)
				for (int z = 1; z <= imp.getNSlices(); z++) planes.add(new int[] { z, t });
		}
		else planes.add(new int[] { imp.getZ(), imp.getT() });
		boolean wide = nc > 256;
		ImageStack labelStack = new ImageStack(w, h), probStack = new ImageStack(w, h);
		ResultsTable table = new ResultsTable();
		RoiManager rm = o.rois() ? roiManager() : null;
		int rois = 0;
		String describe;
		try (PixelClassifier classifier = prompts != null ? new MvpClassifier(model, prompts, classes, LoadedModels
			.manager()) : new ZeroShotClassifier(model, LoadedModels.identity(weights), classes, o.template().isBlank()
				? Templates.ensemble() : Templates.single(o.template()), 0, LoadedModels.manager(), progress))
		{
			describe = classifier.describe();
			for (int k = 0; k < planes.size(); k++) {
				progress.checkCancelled();
				int z = planes.get(k)[0], t = planes.get(k)[1];
				if (classifier instanceof MvpClassifier m) m.resetPresence();
				ImageProcessor lab = wide ? new ShortProcessor(w, h) : new ByteProcessor(w, h);
				float[][] prob = new float[nc][w * h];
				ClipInput input = ClipInput.of(new ImagePlusSource(imp, z, t), channels, 0.5, 99.5);
				String planeNote = planes.size() > 1 ? " (plane " + (k + 1) + " of " + planes.size() + ")" : "";
				Progress planeProgress = new Progress() {
					@Override
					public void update(String what, long done, long total) {
						progress.update(what + planeNote, done, total);
					}

					@Override
					public boolean isCancelled() {
						return progress.isCancelled();
					}
				};
				Segmenter.Result r = segmenter.run(input, classifier, (y0, rows, width, p, labels) -> {
					for (int i = 0; i < rows * width; i++) lab.set(y0 * width + i, labels[i]);
					for (int c = 0; c < nc; c++) System.arraycopy(p[c], 0, prob[c], y0 * width, rows * width);
				}, planeProgress);
				String planeName = planes.size() > 1 ? " z=" + z + " t=" + t : "";
				labelStack.addSlice("labels" + planeName, lab);
				for (int c = 0; c < nc; c++) probStack.addSlice(classes.get(c) + planeName, new FloatProcessor(w, h,
					prob[c]));
				double[] presence = classifier instanceof MvpClassifier m ? m.presence() : null;
				Calibration cal = imp.getCalibration();
				for (int c = 0; c < nc; c++) {
					double sum = 0;
					byte[] mask = new byte[w * h];
					for (int i = 0; i < w * h; i++) {
						if (lab.get(i) == c) {
							mask[i] = (byte) 255;
							sum += prob[c][i];
						}
					}
					long n = r.pixelCounts()[c];
					if (o.table()) {
						table.incrementCounter();
						table.addValue("Class", classes.get(c));
						table.addValue("Label", c);
						if (planes.size() > 1) {
							table.addValue("Z", z);
							table.addValue("T", t);
						}
						table.addValue("Pixels", n);
						table.addValue("Area", n * cal.pixelWidth * cal.pixelHeight);
						table.addValue("Mean probability", n == 0 ? 0 : sum / n);
						if (presence != null) table.addValue("GPR presence", presence[c]);
					}
					if (rm != null && n > 0) {
						ByteProcessor bp = new ByteProcessor(w, h, mask);
						bp.setThreshold(255, 255, ImageProcessor.NO_LUT_UPDATE);
						Roi roi = ThresholdToSelection.run(new ImagePlus("mask", bp));
						if (roi != null) {
							roi.setName(classes.get(c) + planeName);
							if (imp.isHyperStack() || imp.getStackSize() > 1) roi.setPosition(imp.getC(), z, t);
							rm.addRoi(roi);
							rois++;
						}
					}
				}
			}
		}
		String provenance = "MVP-SEG segmentation of " + imp.getTitle() + "\nclasses: " + String.join(", ", classes)
			+ "\nmodel: " + weights + " (" + model.config().describe() + ")\n" + describe + "\ndense features: " + mode
				.label() + "\nwindow " + o.window()
			+ ", stride " + o.stride() + " (0 = automatic), planes: " + (o.allPlanes() ? "all" : "current");
		ImagePlus labels = null, probabilities = null;
		if (o.labels()) {
			labels = new ImagePlus(imp.getShortTitle() + "-labels", labelStack);
			labels.setDimensions(1, o.allPlanes() ? imp.getNSlices() : 1, o.allPlanes() ? imp.getNFrames() : 1);
			labels.setCalibration(imp.getCalibration().copy());
			StringBuilder legend = new StringBuilder("Classes (label value = name):\n");
			for (int c = 0; c < nc; c++) {
				labels.setProp("class." + c, classes.get(c));
				legend.append(c).append(" = ").append(classes.get(c)).append('\n');
			}
			labels.setProp("classes", String.join(",", classes));
			labels.setProperty("Info", legend + "\n" + provenance);
			if (!wide) {
				byte[][] l = LabelColors.lut(nc);
				labels.setLut(new LUT(l[0], l[1], l[2]));
				labels.setDisplayRange(0, 255);
			}
			else labels.setDisplayRange(0, nc - 1);
		}
		if (o.probabilities()) {
			probabilities = new ImagePlus(imp.getShortTitle() + "-probabilities", probStack);
			probabilities.setDimensions(nc, o.allPlanes() ? imp.getNSlices() : 1, o.allPlanes() ? imp.getNFrames() : 1);
			probabilities.setOpenAsHyperStack(true);
			probabilities.setCalibration(imp.getCalibration().copy());
			probabilities.setProperty("Info", provenance);
			probabilities.setDisplayRange(0, 1);
		}
		return new Outputs(labels, probabilities, o.table() ? table : null, rois, provenance);
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

	/** "1" or "1,2,3" (counted from 1) → source channels, or null for automatic. */
	static int[] parseChannels(String text, ImagePlus imp) {
		if (text == null || text.isBlank()) return null;
		String[] parts = text.split(",");
		int[] c = new int[parts.length];
		for (int i = 0; i < parts.length; i++) {
			try {
				c[i] = Integer.parseInt(parts[i].strip()) - 1;
			}
			catch (NumberFormatException e) {
				throw new IllegalArgumentException("Channels are numbers counted from 1, like \"1\" or \"1,2,3\"; got \""
					+ text + "\".");
			}
			if (c[i] < 0 || c[i] >= imp.getNChannels()) throw new IllegalArgumentException("Channel " + (c[i] + 1)
				+ " does not exist; " + imp.getTitle() + " has " + imp.getNChannels() + " channel(s).");
		}
		return c;
	}

	/** A one-line summary for the log. */
	public static String summary(Outputs out, double seconds) {
		return String.format(Locale.ROOT, "MVP-SEG: done in %.1f s%s", seconds, out.roisAdded() > 0 ? ", "
			+ out.roisAdded() + " ROI(s) added" : "");
	}

	/** Shows the outputs (in batch mode this registers them so macros can select them). */
	public static void show(Outputs out) {
		if (out.labels() != null) out.labels().show();
		if (out.probabilities() != null) out.probabilities().show();
		if (out.table() != null) out.table().show("MVP-SEG Results");
		IJ.log(out.provenance().replace("\n", "; "));
	}
}
