package org.mvpseg.fiji;

import ij.IJ;
import ij.measure.ResultsTable;
import org.mvpseg.clip.ClipModel;
import org.mvpseg.models.ModelResolver;
import org.mvpseg.mvp.Evaluation;
import org.mvpseg.mvp.MvpClassifier;
import org.mvpseg.mvp.PromptSet;
import org.mvpseg.runtime.LoadedModels;
import org.mvpseg.segment.PixelClassifier;
import org.mvpseg.segment.SegmentOptions;
import org.mvpseg.segment.Segmenter;
import org.mvpseg.segment.Templates;
import org.mvpseg.segment.ZeroShotClassifier;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Plugins › Segmentation › MVP-SEG › Evaluate… — per-class IoU, mIoU(seen), mIoU(unseen) and hIoU
 * of learned prompts and/or the zero-shot baseline on an annotated folder, as a results table.
 */
@Plugin(type = Command.class, menuPath = "Plugins>Segmentation>MVP-SEG>Evaluate...", headless = true)
public class EvaluateSegmentationCommand implements Command {

	@Parameter(label = "Folder with images/, labels/, classes.txt", persist = false)
	public String data_folder = "";

	@Parameter(label = "Prompt set (empty: zero-shot only)", required = false, persist = false)
	public String prompts = "";

	@Parameter(label = "Also evaluate the zero-shot baseline", persist = false)
	public boolean zero_shot = true;

	@Parameter(label = "Seen classes", persist = false)
	public String seen = "";

	@Parameter(label = "Unseen classes (empty: all others in classes.txt)", required = false, persist = false)
	public String unseen = "";

	@Parameter(label = "Model", persist = false, choices = { "ViT-B/16", "ViT-B/32", "ViT-L/14", "RN50", "RN101" })
	public String model = "ViT-B/16";

	@Parameter(label = "Weights file (instead of the model; optional)", required = false, persist = false)
	public String weights = "";

	@Parameter(label = "Save the metrics as JSON (optional)", required = false, persist = false)
	public String json_out = "";

	@org.scijava.plugin.Parameter(required = false)
	private org.scijava.app.StatusService status;

	@org.scijava.plugin.Parameter(required = false)
	private org.scijava.task.TaskService tasks;

	/** The evaluations made (prompts first when given). */
	public final List<Evaluation> results = new ArrayList<>();

	@Override
	public void run() {
		try (FijiProgress progress = new FijiProgress(tasks, status, "Evaluate")) {
			DatasetFolder.Contents data = DatasetFolder.load(Path.of(data_folder.strip()));
			List<String> s = Templates.parseClassNames(seen);
			List<String> u = Evaluation.unseenClasses(data.classes(), s, unseen);
			List<String> all = new ArrayList<>(s);
			all.addAll(u);
			ModelResolver.Resolved resolved = ModelResolver.resolve(weights, model, progress);
			Path w = resolved.weights();
			ClipModel clip = LoadedModels.get(w);
			Segmenter seg = Segmenter.of(clip, LoadedModels.manager(), SegmentOptions.defaults());
			List<String> titles = new ArrayList<>();
			if (!prompts.isBlank()) {
				PromptSet p = PromptSet.load(Path.of(prompts.strip()));
				p.checkBackbone(resolved.sha256(), clip.config().textWidth());
				try (PixelClassifier c = new MvpClassifier(clip, p, all, LoadedModels.manager())) {
					results.add(Evaluation.run(data.images(), data.classes(), s, u, seg, c, progress));
					titles.add("MVP-SEG");
				}
			}
			if (zero_shot || prompts.isBlank()) {
				try (PixelClassifier c = new ZeroShotClassifier(clip, LoadedModels.identity(w), all, Templates
					.ensemble(), 0, LoadedModels.manager(), progress))
				{
					results.add(Evaluation.run(data.images(), data.classes(), s, u, seg, c, progress));
					titles.add("zero-shot");
				}
			}
			ResultsTable rt = new ResultsTable();
			Evaluation first = results.get(0);
			for (int c = 0; c < first.classes().size(); c++) {
				rt.incrementCounter();
				rt.addValue("Class", first.classes().get(c));
				rt.addValue("Seen", c < s.size() ? 1 : 0);
				for (int k = 0; k < results.size(); k++) rt.addValue("IoU " + titles.get(k), results.get(k).iou(c));
			}
			for (String row : new String[] { "mIoU(seen)", "mIoU(unseen)", "hIoU" }) {
				rt.incrementCounter();
				rt.addValue("Class", row);
				for (int k = 0; k < results.size(); k++) {
					Evaluation e = results.get(k);
					rt.addValue("IoU " + titles.get(k), row.equals("hIoU") ? e.hiou() : row.contains("unseen") ? e
						.miouUnseen() : e.miouSeen());
				}
			}
			rt.show("MVP-SEG Evaluation");
			IJ.log("MVP-SEG evaluation:\n" + Evaluation.table(titles, results));
			if (!json_out.isBlank()) Files.writeString(Path.of(json_out.strip()), first.toJson().toString());
		}
		catch (Exception | OutOfMemoryError e) {
			IJ.log(Errors.message(e));
		}
	}
}
