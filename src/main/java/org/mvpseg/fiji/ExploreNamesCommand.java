package org.mvpseg.fiji;

import ij.ImagePlus;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

/**
 * Plugins › Segmentation › MVP-SEG › Explore Names… — opens a window beside the image in which class names,
 * templates, prompt sets and refinements are tried one after another, each answered from the image's kept features
 * (docs/features.md). Its dialog asks what stays fixed while exploring (the model, dense features, windows); the
 * window asks the rest. Interactive only: macros use Segment by Name, whose line "Create outputs" records.
 */
@Plugin(type = Command.class, menuPath = "Plugins>Segmentation>MVP-SEG>Explore Names...")
public class ExploreNamesCommand extends WindowedCommand {

	@Parameter(label = "Image")
	public ImagePlus input;

	@Parameter(label = "Class names to start with (comma-separated; more are typed in the window)", persist = false)
	public String classes = "nucleus, cytoplasm, background";

	@Parameter(label = "Template (optional; empty = the 85 built-in ones)", required = false, persist = false)
	public String template = "";

	@Parameter(label = "Prompt set from training (optional; empty = zero-shot)", style = "open", required = false,
		persist = false)
	public String prompts = "";

	@Parameter(label = "Channels for R,G,B (optional; e.g. 1 or 2,1,3)", required = false, persist = false)
	public String channels = "";

	@Parameter(label = "Advanced...", callback = "showAdvanced", required = false, persist = false)
	private org.scijava.widget.Button advanced; // last: Fiji shows the fields in order (ModelCommand.showAdvanced)

	@Override
	public void run() {
		try {
			if (input == null) throw new org.mvpseg.runtime.RequestException("No image: open one first.");
			if (java.awt.GraphicsEnvironment.isHeadless()) throw new org.mvpseg.runtime.RequestException("Explore Names "
				+ "is a window and needs a screen; in macros and headless runs use Segment by Name.");
			java.awt.EventQueue.invokeLater(() -> new ExploreNames(input, this).start());
		}
		catch (RuntimeException e) {
			Errors.report(e);
		}
	}
}
