package org.mvpseg.fiji;

import org.mvpseg.imagej.DatasetFolder;
import ij.IJ;
import ij.measure.ResultsTable;
import org.mvpseg.mvp.Evaluation;
import org.mvpseg.pipeline.EvaluationRun;
import org.mvpseg.pipeline.SegmentRequest;
import org.mvpseg.segment.Templates;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Plugins › Segmentation › MVP-SEG › Evaluate… — per-class IoU, mIoU(seen), mIoU(unseen) and hIoU
 * of learned prompts and/or the zero-shot baseline on an annotated folder, as a results table.
 */
@Plugin(type = Command.class, menuPath = "Plugins>Segmentation>MVP-SEG>Evaluate...", headless = true)
public class EvaluateSegmentationCommand extends WindowedCommand {

	@Parameter(label = "Folder with images/, labels/, classes.txt", style = "directory", persist = false)
	public String data_folder = "";

	@Parameter(label = "Prompt set (empty: zero-shot only)", style = "open", required = false, persist = false)
	public String prompts = "";

	@Parameter(label = "Also evaluate the zero-shot baseline", persist = false)
	public boolean zero_shot = true;

	@Parameter(label = "Seen classes", persist = false)
	public String seen = "";

	@Parameter(label = "Unseen classes (empty: all others in classes.txt)", required = false, persist = false)
	public String unseen = "";

	@Parameter(label = "Save the metrics as JSON (optional)", style = "save", required = false, persist = false)
	public String json_out = "";

	@Parameter(label = "Advanced...", callback = "showAdvanced", required = false, persist = false)
	private org.scijava.widget.Button advanced; // last: Fiji shows the fields in order (ModelCommand.showAdvanced)

	@org.scijava.plugin.Parameter(required = false)
	private org.scijava.app.StatusService status;

	@org.scijava.plugin.Parameter(required = false)
	private org.scijava.task.TaskService tasks;

	/** The evaluations made (prompts first when given). */
	public final List<EvaluationRun.Outcome> results = new ArrayList<>();

	@Override
	public void run() {
		try (FijiProgress progress = new FijiProgress(tasks, status, "Evaluate")) {
			DatasetFolder.Contents data = DatasetFolder.load(data_folder);
			List<String> s = Templates.parseClassNames(seen);
			List<String> u = Evaluation.unseenClasses(data.classes(), s, unseen);
			for (SegmentRequest r : requests(EvaluationRun.classes(s, u))) results.add(EvaluationRun
				.evaluate(r, data.images(), data.classes(), s, u, progress));
			table(s.size()).show("MVP-SEG Evaluation");
			IJ.log("MVP-SEG evaluation:\n" + EvaluationRun.table(results));
			if (!json_out.isBlank()) {
				Path json = Path.of(json_out.strip()).toAbsolutePath();
				EvaluationRun.write(json, results);
				IJ.log("MVP-SEG: wrote " + json);
			}
		}
		catch (Exception | OutOfMemoryError e) {
			Errors.report(e);
		}
	}

	/** Learned prompts first (when given), then the zero-shot baseline (when asked, or without prompts). */
	private List<SegmentRequest> requests(List<String> classes) {
		boolean hasStudent = student != null && !student.isBlank();
		boolean zeroShot = zero_shot || (prompts.isBlank() && !hasStudent);
		EvaluationRun.checkOptions(!prompts.isBlank(), zeroShot, temperature > 0 || denoise > 0 || key_smoothing > 0,
			no_gpr);
		List<SegmentRequest> r = new ArrayList<>();
		if (!prompts.isBlank()) r.add(tuning().learned(builder(classes).prompts(prompts)).build());
		if (zeroShot) r.add(tuning().zeroShot(builder(classes)).build());
		if (hasStudent) r.add(tuning().student(builder(classes)).build());
		return r;
	}

	private SegmentRequest.Builder builder(List<String> classes) {
		return SegmentRequest.builder().model(weights, model).device(device).classes(classes).denseMode(dense_mode).windows(window,
			stride, 0, 0);
	}

	/** The table shown: a row per class, then the means. */
	ResultsTable table(int seenCount) {
		ResultsTable rt = new ResultsTable();
		Evaluation first = results.get(0).evaluation();
		for (int c = 0; c < first.classes().size(); c++) {
			rt.incrementCounter();
			rt.addValue("Class", first.classes().get(c));
			rt.addValue("Seen", c < seenCount ? "seen" : "unseen");
			rt.addValue("Ground truth pixels", first.groundTruthPixels(c));
			for (EvaluationRun.Outcome o : results) {
				if (first.absent(c)) rt.addValue("IoU " + o.method(), "absent"); // not IoU 0: nothing to find
				else rt.addValue("IoU " + o.method(), o.evaluation().iou(c));
			}
		}
		for (String row : new String[] { "mIoU(seen)", "mIoU(unseen)", "hIoU" }) {
			rt.incrementCounter();
			rt.addValue("Class", row);
			rt.addValue("Seen", row.equals("hIoU") ? "seen and unseen" : row.contains("unseen") ? "unseen" : "seen");
			rt.addValue("Ground truth pixels", "");
			for (EvaluationRun.Outcome o : results) {
				Evaluation e = o.evaluation();
				rt.addValue("IoU " + o.method(), row.equals("hIoU") ? e.hiou() : row.contains("unseen") ? e.miouUnseen()
					: e.miouSeen());
			}
		}
		return rt;
	}
}
