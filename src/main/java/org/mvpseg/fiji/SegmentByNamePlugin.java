package org.mvpseg.fiji;

import ij.IJ;
import ij.ImagePlus;
import ij.Macro;
import ij.WindowManager;
import ij.gui.GenericDialog;
import ij.plugin.PlugIn;
import org.mvpseg.runtime.Progress;

/**
 * The same "Segment by Name…" for plain ImageJ 1.x (listed in plugins.config): same macro keys,
 * same core. In Fiji the SciJava command with the same menu label takes its place. With macro
 * options no dialog appears; interactively a GenericDialog asks; Esc cancels between windows.
 */
public class SegmentByNamePlugin implements PlugIn {

	@Override
	public void run(String arg) {
		ImagePlus imp = WindowManager.getCurrentImage();
		if (imp == null) {
			IJ.error("MVP-SEG", "Open an image first.");
			return;
		}
		String options = Macro.getOptions();
		SegmentByNameCommand defaults = new SegmentByNameCommand();
		FijiSegmentation.Options o;
		if (options != null) o = fromMacro(options, defaults);
		else {
			o = dialog(defaults);
			if (o == null) return;
		}
		long t0 = System.nanoTime();
		Progress progress = new Progress() {
			@Override
			public void update(String what, long done, long total) {
				IJ.showStatus("MVP-SEG: " + what);
				if (total > 0) IJ.showProgress((double) done / total);
			}

			@Override
			public boolean isCancelled() {
				return IJ.escapePressed();
			}
		};
		try {
			FijiSegmentation.Outputs out = FijiSegmentation.run(imp, o, progress);
			FijiSegmentation.show(out);
			IJ.log(FijiSegmentation.summary(out, (System.nanoTime() - t0) / 1e9));
		}
		catch (Exception | OutOfMemoryError e) {
			String msg = Errors.message(e);
			if (options != null || GraphicsHeadless.is()) IJ.log(msg);
			else IJ.error("MVP-SEG", msg);
		}
		finally {
			IJ.showProgress(1.0);
			IJ.resetEscape();
		}
	}

	/**
	 * The macro keys are the SciJava field names. Check boxes follow ImageJ's rule (a key present
	 * means on, absent means off) — except that when none of the four output keys is given, all
	 * outputs are made, so {@code run("Segment by Name...", "classes=[a, b]")} does the whole job.
	 */
	static FijiSegmentation.Options fromMacro(String options, SegmentByNameCommand d) {
		boolean anyOutputKey = false;
		for (String k : new String[] { "show_labels", "show_probabilities", "add_rois", "show_table" })
			anyOutputKey |= hasKey(options, k);
		if (anyOutputKey) d.show_labels = d.show_probabilities = d.add_rois = d.show_table = false;
		return new FijiSegmentation.Options(Macro.getValue(options, "classes", d.classes), Macro.getValue(options,
			"model", d.model), Macro.getValue(options, "weights", d.weights), Macro.getValue(options, "prompts",
				d.prompts), integer(options, "window", d.window), integer(options, "stride", d.stride), Macro.getValue(
					options, "template", d.template), Macro.getValue(options, "channels", d.channels), "All planes".equals(
						Macro.getValue(options, "planes", d.planes)), flag(options, "show_labels", d.show_labels), flag(
							options, "show_probabilities", d.show_probabilities), flag(options, "add_rois", d.add_rois),
			flag(options, "show_table", d.show_table));
	}

	private static int integer(String options, String key, int fallback) {
		String v = Macro.getValue(options, key, null);
		if (v == null) return fallback;
		try {
			return Integer.parseInt(v.strip());
		}
		catch (NumberFormatException e) {
			throw new IllegalArgumentException(key + " must be a whole number, got " + v);
		}
	}

	/** A check box: "key" alone or "key=true" is on, "key=false" off, absent = {@code fallback}. */
	private static boolean flag(String options, String key, boolean fallback) {
		String v = Macro.getValue(options, key, null);
		if (v != null) return Boolean.parseBoolean(v.strip());
		return hasKey(options, key) || fallback;
	}

	private static boolean hasKey(String options, String key) {
		return (" " + options + " ").matches("(?s).*[\\s]" + java.util.regex.Pattern.quote(key) + "(=|\\s).*");
	}

	private static FijiSegmentation.Options dialog(SegmentByNameCommand d) {
		GenericDialog gd = new GenericDialog("Segment by Name (MVP-SEG)");
		gd.addStringField("classes", d.classes, 40);
		gd.addChoice("model", new String[] { "ViT-B/16", "ViT-B/32", "ViT-L/14", "ViT-L/14@336px", "RN50", "RN101",
			"RN50x4", "RN50x16", "RN50x64" }, d.model);
		gd.addStringField("weights", d.weights, 40);
		gd.addStringField("prompts", d.prompts, 40);
		gd.addNumericField("window", d.window, 0);
		gd.addNumericField("stride", d.stride, 0);
		gd.addStringField("template", d.template, 40);
		gd.addStringField("channels", d.channels, 10);
		gd.addChoice("planes", new String[] { "Current plane", "All planes" }, d.planes);
		gd.addCheckbox("show_labels", d.show_labels);
		gd.addCheckbox("show_probabilities", d.show_probabilities);
		gd.addCheckbox("add_rois", d.add_rois);
		gd.addCheckbox("show_table", d.show_table);
		gd.showDialog();
		if (gd.wasCanceled()) return null;
		return new FijiSegmentation.Options(gd.getNextString(), gd.getNextChoice(), gd.getNextString(), gd
			.getNextString(), (int) gd.getNextNumber(), (int) gd.getNextNumber(), gd.getNextString(), gd.getNextString(),
			"All planes".equals(gd.getNextChoice()), gd.getNextBoolean(), gd.getNextBoolean(), gd.getNextBoolean(), gd
				.getNextBoolean());
	}

	/** Whether no window can be shown. */
	static final class GraphicsHeadless {
		static boolean is() {
			return java.awt.GraphicsEnvironment.isHeadless();
		}
	}
}
