package org.mvpseg.fiji;


import ij.IJ;
import org.mvpseg.imagej.StudentSources;
import org.mvpseg.pipeline.Pipeline;
import org.mvpseg.pipeline.Prepared;
import org.mvpseg.pipeline.SegmentOption;
import org.mvpseg.pipeline.SegmentRequest;
import org.mvpseg.pipeline.TransferRequest;
import org.mvpseg.student.StudentData;
import org.mvpseg.student.StudentFile;
import org.mvpseg.student.StudentTrainer;
import org.scijava.app.StatusService;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;

/**
 * Plugins › Segmentation › MVP-SEG › Adapt to Unlabeled Images… — MVP-SEG+: a student learns the teacher's
 * classes (learned prompts, or zero-shot) on a folder of the scientist's own images (docs/formulas.md §8).
 */
@Plugin(type = Command.class, menuPath = "Plugins>Segmentation>MVP-SEG>Adapt to Unlabeled Images...", headless = true)
public class AdaptCommand extends ModelCommand {

	@Parameter(label = "Folder of unlabeled images (optional if a dataset folder is given)", style = "directory", required = false,
		persist = false)
	public String unlabeled_folder = "";

	@Parameter(label = "Dataset folder with partial labels, 255 = not annotated (optional)", style = "directory", required = false,
		persist = false)
	public String data_folder = "";

	@Parameter(label = "Teacher prompt set (empty = zero-shot teacher)", style = "open", required = false, persist = false)
	public String prompts = "";

	@Parameter(label = "Template for a zero-shot teacher (optional; empty = the 85 built-in ones)", required = false, persist = false)
	public String template = "";

	@Parameter(label = "Class names (comma-separated)", persist = false)
	public String classes = "nucleus, cytoplasm, background";

	@Parameter(label = "Unseen classes (empty = those the prompts were not trained on)", required = false,
		persist = false)
	public String unseen = "";

	@Parameter(label = "Save the student as", style = "save", persist = false)
	public String student_out = "mvpseg.student";

	@Parameter(label = "Iterations", min = "1", persist = false)
	public int iterations = 2000;

	@Parameter(label = "Teacher iterations (-1 = automatic: all; MaskCLIP+ self-trains after 10 %)", min = "-1",
		persist = false)
	public int teacher_steps = -1;

	@Parameter(label = "Batch (tiles)", min = "1", persist = false)
	public int batch = 8;

	@Parameter(label = "Learning rate", persist = false)
	public double learning_rate = 0.01;

	@Parameter(label = "Random seed", persist = false)
	public int random_seed = 0;

	@Parameter(label = "Fine-tune the CLIP trunk's last block too (at 0.1 × the learning rate)", persist = false)
	public boolean fine_tune_last_block = false;

	@Parameter(label = "Class balance (0 = off, 0.5 = square root, 1 = inverse frequency)", min = "0", max = "1",
		persist = false)
	public double class_balance = 1;

	@Parameter(label = "Weigh by the teacher's GPR (learned prompts)", persist = false)
	public boolean teacher_gpr = true;

	@Parameter(label = "Continue from the last checkpoint", persist = false)
	public boolean resume = false;

	@Parameter(label = "Advanced...", callback = "showAdvanced", required = false, persist = false)
	private org.scijava.widget.Button advanced; // last: Fiji shows the fields in order (ModelCommand.showAdvanced)

	@Parameter(required = false)
	private StatusService status;

	@Parameter(required = false)
	private org.scijava.task.TaskService tasks;

	/** The trained student (null until run). */
	public StudentFile result;

	@Override
	public void run() {
		trainInto(student_out, "student_out", resume, "Adapt to Unlabeled Images", tasks, status, this::train);
	}

	private void train(Path out, FijiProgress progress) throws Exception {
		TransferRequest request = request(out); // checked before the images are read or the teacher loads
		List<String> unseenNames = request.unseen();
		List<StudentData.Source> sources = StudentSources.of(request.unlabeled(), request.data(), request.classes());
		StudentTrainer.Config cfg = request.config();
		IJ.log("MVP-SEG+ student: " + cfg.describe() + "; " + sources.size() + " image(s); unseen " + unseenNames);
		try (Prepared p = Pipeline.prepare(request.teacher(), progress)) {
			IJ.log("MVP-SEG+ teacher: " + p.resolved().classifier());
			result = new StudentTrainer(p.teacher(), cfg).train(sources, unseenNames, out, resume, s -> {
				if (s.iteration() % 50 == 0 || s.iteration() == cfg.iterations()) IJ.log("MVP-SEG+ " + s.line());
			}, progress);
		}
		IJ.log("MVP-SEG+: wrote " + out + " (" + result.describe() + ")");
		if (!result.classWeightsLine().isEmpty()) IJ.log("MVP-SEG+: " + result.classWeightsLine());
	}

	/** This dialog's values as a request. */
	TransferRequest request(Path out) {
		SegmentRequest teacher = SegmentOption.apply(builder(), values(EnumSet.of(SegmentOption.PROMPTS, SegmentOption
			.TEMPLATE))).classes(classes).build();
		return TransferRequest.builder(teacher).config(config()).images(unlabeled_folder, data_folder).unseen(unseen)
			.output(out, resume).build();
	}

	StudentTrainer.Config config() {
		return StudentTrainer.Config.builder().iterations(iterations).teacherIterations(teacher_steps).batch(batch).seed(
			random_seed).lr(learning_rate).fineTuneLastBlock(fine_tune_last_block).classBalance(class_balance).gpr(
				teacher_gpr).build();
	}
}
