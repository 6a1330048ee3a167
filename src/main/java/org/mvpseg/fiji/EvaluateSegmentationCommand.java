package org.mvpseg.fiji;

import org.mvpseg.imagej.DatasetFolder;
import ij.IJ;
import ij.measure.ResultsTable;
import org.mvpseg.mvp.Evaluation;
import org.mvpseg.pipeline.EvaluationRequest;
import org.mvpseg.pipeline.EvaluationRun;
import org.mvpseg.pipeline.SegmentOption;
import org.mvpseg.pipeline.SegmentOption.Group;
import org.mvpseg.pipeline.SegmentRequest;
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
			EvaluationRequest request = request(); // checked before the data is read or a model loads
			DatasetFolder.Contents data = DatasetFolder.load(data_folder);
			List<String> s = request.seen(), u = request.unseen(data.classes());
			for (SegmentRequest r : request.runs(data.classes())) results.add(EvaluationRun.evaluate(r, data.images(), data
				.classes(), s, u, progress));
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

	/** Learned prompts first (when given), then the zero-shot baseline (when asked, or without prompts), a student. */
	EvaluationRequest request() {
		boolean hasStudent = student != null && !student.isBlank();
		boolean zeroShot = zero_shot || (prompts.isBlank() && !hasStudent);
		EvaluationRequest.checkOptions(!prompts.isBlank() || hasStudent, zeroShot, temperature > 0 || denoise > 0 || key_smoothing > 0,
			no_gpr, false);
		EvaluationRequest.Builder b = EvaluationRequest.builder().seen(seen).unseen(unseen);
		if (!prompts.isBlank()) b.method(method(Group.LEARNED));
		if (zeroShot) b.method(method(Group.ZERO_SHOT));
		if (hasStudent) b.method(method(Group.STUDENT));
		return b.build();
	}

	/** A method's request: the options every method takes and its own (the command line's groups). */
	private SegmentRequest.Builder method(Group own) {
		return SegmentOption.apply(builder(), values(SegmentOption.forMethod(own)));
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
