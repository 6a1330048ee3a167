package org.mvpseg.fiji;

import ij.ImagePlus;
import org.mvpseg.pipeline.SegmentOption;
import org.scijava.ItemIO;
import org.scijava.app.StatusService;
import org.scijava.command.Command;
import org.scijava.log.LogService;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;
import org.scijava.task.TaskService;

import java.util.EnumSet;

/**
 * Plugins › Segmentation › MVP-SEG › Segment by Name… — a SciJava command, recordable as one
 * macro line, runnable headless. Parameter names are the macro keys (lower snake_case, none a
 * suffix of another). A macro's omitted key takes its default; only dialogs remember the last values (docs/fiji.md).
 */
@Plugin(type = Command.class, menuPath = "Plugins>Segmentation>MVP-SEG>Segment by Name...", headless = true)
public class SegmentByNameCommand extends WindowedCommand {

	@Parameter(label = "Image")
	public ImagePlus input;

	@Parameter(label = "Class names (comma-separated; label value 0 = the first name)", persist = false)
	public String classes = "nucleus, cytoplasm, background";

	@Parameter(label = "Prompt set from training (optional; empty = zero-shot)", style = "open", required = false, persist = false)
	public String prompts = "";

	@Advanced
	@Parameter(label = "Template (optional; e.g. a microscopy image of {}.; empty = the 85 built-in ones)", required = false, persist = false)
	public String template = "";

	@Advanced
	@Parameter(label = "Channels for R,G,B (optional; e.g. 1 or 2,1,3)", required = false, persist = false)
	public String channels = "";

	@Advanced
	@Parameter(label = "Planes of a stack (Z and T)", choices = { "Current plane", "All planes" }, persist = false)
	public String planes = "Current plane";

	@Parameter(label = "Label image", persist = false)
	public boolean show_labels = true;

	@Parameter(label = "Probability maps", persist = false)
	public boolean show_probabilities = true;

	@Parameter(label = "Add ROIs to the ROI Manager", persist = false)
	public boolean add_rois = true;

	@Advanced
	@Parameter(label = "Replace this image's ROIs from earlier runs (else they are kept)", persist = false)
	public boolean replace_rois = false;

	@Parameter(label = "Results table", persist = false)
	public boolean show_table = true;

	// Objects (issue 27): these three fields only map to ObjectOptions, whose text forms the command line shares.
	@Parameter(label = "Objects: classes to split into objects (comma-separated, or all; empty = none)", required =
		false, persist = false, description = "Each connected region of these classes becomes an object: an object "
			+ "label image, one ROI per object (ROI group = class) and a table row per object")
	public String objects = "";

	@Advanced
	@Parameter(label = "Minimum object size (pixels; smaller objects are dropped)", min = "0", persist = false)
	public int min_size = 0;

	@Advanced
	@Parameter(label = "Object connectivity (8: by a side or a corner, as Analyze Particles; 4: by a side)", choices = {
		"8", "4" }, persist = false)
	public String connectivity = "8";

	@Parameter(label = "Advanced...", callback = "showAdvanced", required = false, persist = false)
	private org.scijava.widget.Button advanced; // last: Fiji shows the fields in order (ModelCommand.showAdvanced)

	@Parameter(type = ItemIO.OUTPUT)
	public ImagePlus object_labels;

	/** The objects these fields ask for, or null when none. */
	public org.mvpseg.objects.ObjectOptions objectOptions() {
		return objects == null || objects.isBlank() ? null : org.mvpseg.objects.ObjectOptions.parse(objects,
			connectivity, String.valueOf(min_size));
	}

	@Parameter(type = ItemIO.OUTPUT)
	public ImagePlus segmentation;

	@Parameter(type = ItemIO.OUTPUT)
	public ImagePlus probability_maps;

	@Parameter(required = false)
	private StatusService status;

	@Parameter(required = false)
	private LogService log;

	@Parameter(required = false)
	private TaskService tasks;

	/** The options this command's fields hold (shared with the ImageJ 1.x plugin). */
	public FijiSegmentation.Options options() {
		return new FijiSegmentation.Options(classes, model, weights == null ? "" : weights, values(EnumSet.allOf(
			SegmentOption.class)), "All planes".equals(planes), show_labels, show_probabilities, add_rois, show_table,
			replace_rois, device, objectOptions());
	}

	@Override
	public void run() {
		long t0 = System.nanoTime();
		try (FijiProgress progress = new FijiProgress(tasks, status, "Segment by Name")) {
			FijiSegmentation.Outputs out = FijiSegmentation.run(input, options(), progress);
			segmentation = out.labels();
			probability_maps = out.probabilities();
			if (out.table() != null) out.table().show("MVP-SEG Results");
			object_labels = out.objects();
			if (out.objectTable() != null) out.objectTable().show(FijiSegmentation.OBJECTS_TABLE);
			ij.IJ.log(out.provenance());
			ij.IJ.log(FijiSegmentation.summary(out, (System.nanoTime() - t0) / 1e9));
		}
		catch (Exception | OutOfMemoryError e) {
			String msg = Errors.report(e); // to ImageJ's Log (standard output when it has none)
			if (log != null) log.error(msg);
		}
	}
}
