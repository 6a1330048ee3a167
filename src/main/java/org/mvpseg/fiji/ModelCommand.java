package org.mvpseg.fiji;

import org.mvpseg.pipeline.SegmentOption;
import org.mvpseg.pipeline.SegmentRequest;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;

import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;

/** The weights every model-using command takes: a registry model, or a weights file that wins over it. */
public abstract class ModelCommand implements Command {

	// the registry's names; a test keeps this list equal to models/openai-models.json and science-models.json
	@Parameter(label = "CLIP model (downloaded and verified on first use)", persist = false, choices = { "ViT-B/16", "ViT-B/32", "ViT-L/14", "ViT-L/14@336px",
		"RN50", "RN101", "RN50x4", "RN50x16", "RN50x64", "BiomedCLIP", "PLIP", "QuiltNet" })
	@ModelName
	public String model = "ViT-B/16";

	@Advanced
	@Parameter(label = "Weights file (optional; used instead of the model when given)", style = "open", required = false, persist = false)
	public String weights = "";

	@Advanced
	@Parameter(label = "Device (auto: the GPU when the CUDA engine sees one; cpu, gpu or gpu:N)", persist = false,
		description = "auto uses the first GPU when the CUDA engine is installed (Models & Engine) and sees one, "
			+ "else the CPU; gpu refuses to run without one. The device used and why are in the Log and the Info.")
	public String device = "auto";

	/** A request with this command's model and device. */
	SegmentRequest.Builder builder() {
		return SegmentRequest.builder().model(weights, model).device(device);
	}

	/**
	 * The segmentation options of {@code which} this command offers, each from the field its macro key names
	 * (pipeline.SegmentOption: the keys recorded macros use), in the table's text form; an option without a field
	 * here (a row Fiji lacks, or one this command does not take) is left out.
	 */
	public Map<SegmentOption, String> values(Set<SegmentOption> which) {
		Map<SegmentOption, String> m = new EnumMap<>(SegmentOption.class);
		for (SegmentOption o : which) {
			if (o.macroKey() == null) continue;
			try {
				Object v = getClass().getField(o.macroKey()).get(this);
				if (v != null) m.put(o, v.toString());
			}
			catch (NoSuchFieldException e) {
				// not offered by this command
			}
			catch (IllegalAccessException e) {
				throw new IllegalStateException(e);
			}
		}
		return m;
	}

	/**
	 * The callback of the Advanced... button each command declares last (SciJava shows a superclass's fields
	 * first): Fiji's dialog shows the main fields, this opens the {@link Advanced} ones in a dialog of their own
	 * ({@link RememberedInputs} keeps them out of the main one). The button is no macro key: it holds no value.
	 */
	@SuppressWarnings("unused") // SciJava calls it when the button is pressed
	private void showAdvanced() {
		Ij1Dialog.showAdvanced(this, Ij1Dialog.title(getClass()));
	}

	/** One training run writing {@code out}. */
	interface Training {
		void train(Path out, FijiProgress progress) throws Exception;
	}

	/**
	 * Runs a training command: its output claimed for the whole run (a finished result, a checkpoint or another run's
	 * output is never replaced), progress and cancel in Fiji's task list, every failure reported as a message.
	 */
	static void trainInto(String path, String key, boolean resume, String title, org.scijava.task.TaskService tasks,
		org.scijava.app.StatusService status, Training training)
	{
		try (FijiProgress progress = new FijiProgress(tasks, status, title)) {
			Path out = Path.of(path.strip()).toAbsolutePath(); // shown in full in every message
			try (org.mvpseg.files.TrainingOutput claimed = org.mvpseg.files.TrainingOutput.claim(out, key, resume, false)) {
				training.train(out, progress);
			}
		}
		catch (Exception | OutOfMemoryError e) {
			Errors.report(e);
		}
	}
}
