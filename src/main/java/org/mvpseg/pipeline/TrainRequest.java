package org.mvpseg.pipeline;

import org.mvpseg.clip.ClipModel;
import org.mvpseg.clip.DenseMode;
import org.mvpseg.models.ModelResolver;
import org.mvpseg.mvp.PromptTrainer;
import org.mvpseg.runtime.DeviceChoice;
import org.mvpseg.runtime.Progress;
import org.mvpseg.runtime.RequestException;
import org.mvpseg.runtime.Torch;
import org.mvpseg.segment.Templates;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A prompt training, from the command line or Fiji, built and checked like a {@link SegmentRequest}: the same text
 * forms, every mistake refused before any model loads ({@link RequestException}: exit 2 on the command line).
 *
 * @param seen the classes to learn (the dataset's other classes are ignored: the zero-shot protocol)
 * @param denseMode the dense features the prompts learn on; the prompt set records them and segmenting uses them
 * @param output the prompt set to write (its checkpoint goes beside it)
 */
public record TrainRequest(ModelChoice model, DeviceChoice device, List<String> seen, DenseMode denseMode,
	PromptTrainer.Config config, Path output, boolean resume)
{
	public TrainRequest {
		if (model == null) model = ModelChoice.byName(null);
		if (device == null) device = DeviceChoice.AUTO;
		if (seen == null) throw new RequestException("Give the seen classes to learn, e.g. \"nucleus, background\".");
		seen = List.copyOf(Templates.checkClassNames(seen));
		if (denseMode == null) denseMode = SegmentRequest.DEFAULT_DENSE_MODE;
		if (config == null) config = PromptTrainer.Config.defaults();
		if (output == null) throw new RequestException("Give the file to write the prompts to.");
	}

	/** Refuses a seen class the dataset does not have: found once the data is read, still before the model loads. */
	public void checkSeenIn(List<String> datasetClasses) {
		requireInDataset(seen, datasetClasses);
	}

	/** Each name must be one of the dataset's classes (label value n = its n-th class). */
	static void requireInDataset(List<String> names, List<String> datasetClasses) {
		for (String s : names) if (!datasetClasses.contains(s)) throw new RequestException("Class \"" + s + "\" is not "
			+ "among the dataset's classes " + datasetClasses + ".");
	}

	/** The weights resolved (downloaded on first use), the device chosen, CLIP loaded once (ModelService). */
	public record Loaded(ModelResolver.Resolved weights, ClipModel clip, DeviceChoice.Resolution device,
		PromptTrainer trainer) {}

	/** Resolves and loads the model this training learns on, and makes its trainer. */
	public Loaded load(Progress progress) throws IOException {
		model.validate();
		ModelResolver.Resolved w = model.resolve(progress);
		DeviceChoice.Resolution d = Torch.select(device); // before the model loads: it lives on this device
		ClipModel clip = ModelService.shared().get(w.weights());
		return new Loaded(w, clip, d, new PromptTrainer(clip, w.identity(), config, denseMode));
	}

	public static Builder builder() {
		return new Builder();
	}

	/** The text forms both front ends share. */
	public static final class Builder {
		private ModelChoice model;
		private DeviceChoice device;
		private List<String> seen;
		private DenseMode denseMode;
		private PromptTrainer.Config config;
		private Path output;
		private boolean resume;

		/** The weights ({@link ModelChoice#with} for typed ones) and where to compute: auto, cpu, gpu or gpu:N. */
		public Builder model(ModelChoice weights, String deviceText) {
			model = weights;
			device = DeviceChoice.parse(deviceText);
			return this;
		}

		/** "a, b, c": the class-name rules of segmenting. */
		public Builder seen(String text) {
			seen = Templates.parseClassNames(text);
			return this;
		}

		/** maskclip, value, clearclip, sclip or naclip; blank or "automatic" (as segmenting's): the default. */
		public Builder denseMode(String name) {
			denseMode = SegmentRequest.Builder.denseModeOf(name);
			return this;
		}

		public Builder config(PromptTrainer.Config c) {
			config = c;
			return this;
		}

		/** The prompt set to write, and whether to continue from its checkpoint. */
		public Builder output(Path file, boolean continueRun) {
			output = file;
			resume = continueRun;
			return this;
		}

		public TrainRequest build() {
			return new TrainRequest(model, device, seen, denseMode, config, output, resume);
		}
	}
}
