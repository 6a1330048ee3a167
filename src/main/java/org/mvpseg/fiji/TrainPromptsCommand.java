package org.mvpseg.fiji;

import org.mvpseg.imagej.DatasetFolder;
import org.mvpseg.imagej.ImagePlusSource;
import ij.IJ;
import ij.ImagePlus;
import ij.WindowManager;
import org.mvpseg.mvp.LabelledImage;
import org.mvpseg.mvp.PromptSet;
import org.mvpseg.mvp.PromptTrainer;
import org.mvpseg.pipeline.ModelChoice;
import org.mvpseg.pipeline.TrainRequest;
import org.mvpseg.segment.Templates;
import org.scijava.app.StatusService;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

import java.nio.file.Path;
import java.util.List;

/**
 * Plugins › Segmentation › MVP-SEG › Train Prompts… — learns MVP-SEG prompts from a folder in the
 * training layout, or from the open image plus an open label image.
 */
@Plugin(type = Command.class, menuPath = "Plugins>Segmentation>MVP-SEG>Train Prompts...", headless = true)
public class TrainPromptsCommand extends ModelCommand {

	@Parameter(label = "Training data", choices = { "Folder", "Open image and label image" }, persist = false)
	public String source = "Folder";

	@Parameter(label = "Folder with images/, labels/, classes.txt", style = "directory", required = false, persist = false)
	public String data_folder = "";

	@Parameter(label = "Image (open image mode; empty = the current image)", style = "image", required = false, persist = false)
	public String image_title = "";

	@Parameter(label = "Label image (open image mode; label value n = the n-th name below, from 0)", style = "image", required = false, persist = false)
	public String label_title = "";

	@Parameter(label = "Names of label values 0,1,2,... (open image mode)", required = false, persist = false)
	public String class_names = "";

	@Parameter(label = "Seen classes to learn (comma-separated)", persist = false)
	public String seen = "nucleus, background";

	@Parameter(label = "Save prompts as", style = "save", persist = false)
	public String prompts_out = "mvpseg.prompts";

	@Parameter(label = "Dense features to learn on (the prompt set records them)", persist = false, choices = {
		"maskclip", "value", "clearclip", "sclip", "naclip" })
	public String dense_mode = "maskclip";

	@Parameter(label = "Recipe", choices = { "small (the values below)", "paper (20k iterations, batch 16, crop 512, "
		+ "resize, flip, photometric distortion; the values below except seed and GPR bias are not used)" },
		persist = false)
	public String recipe = "small (the values below)";

	@Parameter(label = "Iterations", min = "1", persist = false)
	public int iterations = 1000;

	@Parameter(label = "Crop size (pixels)", min = "32", persist = false)
	public int crop = 448;

	@Parameter(label = "Batch size", min = "1", persist = false)
	public int batch = 4;

	@Parameter(label = "Learning rate", persist = false)
	public double learning_rate = 2e-3;

	@Parameter(label = "Random seed", persist = false)
	public int random_seed = 0;

	@Parameter(label = "Continue from the last checkpoint", persist = false)
	public boolean resume = false;

	@Parameter(label = "Learn a GPR bias b (g = sigmoid((s - b) / tau2); off = the paper's GPR)", persist = false)
	public boolean gpr_bias = false;

	@Parameter(label = "Advanced...", callback = "showAdvanced", required = false, persist = false)
	private org.scijava.widget.Button advanced; // last: Fiji shows the fields in order (ModelCommand.showAdvanced)

	@Parameter(required = false)
	private StatusService status;

	@Parameter(required = false)
	private org.scijava.task.TaskService tasks;

	/** The trained prompt set (null until run). */
	public PromptSet result;

	@Override
	public void run() {
		trainInto(prompts_out, "prompts_out", resume, "Train Prompts", tasks, status, this::train);
	}

	private void train(Path out, FijiProgress progress) throws Exception {
		TrainRequest request = request(out);
		Annotated a = annotated();
		request.checkSeenIn(a.names());
		TrainRequest.Loaded model = request.load(progress);
		IJ.log("MVP-SEG device: " + model.device());
		PromptTrainer.Config cfg = request.config();
		IJ.log("MVP-SEG training: " + cfg.describe());
		result = model.trainer().train(a.images(), a.names(), request.seen(), out, resume, s -> {
			if (s.iteration() % 10 == 0 || s.iteration() == cfg.iterations()) IJ.log("MVP-SEG " + s.line());
		}, progress);
		IJ.log("MVP-SEG: wrote " + out + " (" + result.describe() + ")");
	}

	/** This dialog's values as a request: checked before the images are read or the model loads. */
	TrainRequest request(Path out) {
		return TrainRequest.builder().model(ModelChoice.byName(null).with(weights, model), device).seen(seen).denseMode(
			dense_mode).config(config()).output(out, resume).build();
	}

	/** The class names and the annotated images. */
	private record Annotated(List<String> names, List<LabelledImage> images) {}

	/** The dataset folder's images, or the open image with its label image. */
	private Annotated annotated() throws java.io.IOException {
		if (source.startsWith("Folder")) {
			DatasetFolder.Contents c = DatasetFolder.load(data_folder);
			return new Annotated(c.classes(), c.images());
		}
		else {
			ImagePlus img = image_title.isBlank() ? WindowManager.getCurrentImage() : WindowManager.getImage(
				image_title);
			ImagePlus lab = WindowManager.getImage(label_title);
			if (img == null || lab == null) throw new IllegalArgumentException("Open the image and its label "
				+ "image, and give the label image's title.");
			List<String> names = Templates.parseClassNames(class_names);
			int[] v = new int[lab.getWidth() * lab.getHeight()];
			for (int i = 0; i < v.length; i++) v[i] = lab.getProcessor().get(i);
			return new Annotated(names, List.of(new LabelledImage(img.getTitle(), new ImagePlusSource(img, img.getZ(),
				img.getT()), v)));
		}
	}

	/** The small recipe with this dialog's values, or the paper's with its seed and GPR bias. */
	PromptTrainer.Config config() {
		if (recipe.startsWith("paper")) return PromptTrainer.Config.recipe("paper").seed(random_seed).learnBias(gpr_bias)
			.build();
		return PromptTrainer.Config.builder().iterations(iterations).crop(crop).batch(batch).seed(random_seed).lr(
			learning_rate).learnBias(gpr_bias).build();
	}
}
