package org.mvpseg.pipeline;

import org.mvpseg.clip.ClipModel;
import org.mvpseg.clip.DenseMode;
import org.mvpseg.models.ModelResolver;
import org.mvpseg.mvp.MvpClassifier;
import org.mvpseg.mvp.PromptSet;
import org.mvpseg.runtime.Progress;
import org.mvpseg.runtime.Torch;
import org.mvpseg.segment.PixelClassifier;
import org.mvpseg.segment.Segmenter;
import org.mvpseg.segment.Templates;
import org.mvpseg.segment.ZeroShotClassifier;
import org.mvpseg.student.StudentClassifier;
import org.mvpseg.student.StudentFile;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The one way from a {@link SegmentRequest} to a ready segmenter and classifier, used by the command
 * line, Fiji, ImageJ 1.x and evaluation alike (docs/architecture.md): resolve the weights, load the
 * model through the {@link ModelService}, check a prompt set against the weights, build the MVP-SEG
 * or zero-shot classifier, resolve the window settings, and record every value used.
 */
public final class Pipeline {

	private Pipeline() {}

	/** With the process-wide model service. */
	public static Prepared prepare(SegmentRequest request, Progress progress) throws IOException {
		return prepare(request, ModelService.shared(), progress);
	}

	public static Prepared prepare(SegmentRequest request, ModelService models, Progress progress) throws IOException {
		request.model().validate();
		PromptSet prompts = request.prompts() == null ? null : PromptSet.load(request.prompts());
		StudentFile student = request.student() == null ? null : StudentFile.load(request.student());
		ModelResolver.Resolved weights = request.model().resolve(progress);
		Torch.select(request.device()); // before the model loads: it lives on this device
		ClipModel model = models.get(weights.weights(), request.half() ? ai.djl.ndarray.types.DataType.FLOAT16
			: ai.djl.ndarray.types.DataType.FLOAT32);
		if (prompts != null) prompts.checkBackbone(weights, model.config().textWidth());
		if (student != null) student.checkBackbone(weights);
		DenseMode mode = denseMode(request, prompts, student);
		StudentClassifier studentClassifier = student == null ? null : new StudentClassifier(student, request.classes(),
			request.gpr(), request.dropAbsent(), models.manager());
		if (studentClassifier != null && student.lastBlock() != null && mode != student.denseMode()) throw new org.mvpseg
			.runtime.RequestException("This student fine-tuned the last block for " + student.denseMode().label()
				+ " features; leave the dense mode out (or give " + student.denseMode().label() + ").");
		Segmenter segmenter = Segmenter.of(model, models.manager(), request.windows(), mode, studentClassifier == null
			? null : studentClassifier.trunk(model));
		List<String> notes = new ArrayList<>(segmenter.resolution().notes());
		if (request.denseMode() == null) notes.add("dense features " + mode.label() + " (automatic: " + (prompts != null
			? "the mode the prompts were trained with)" : student != null ? "the mode the student was trained on)"
				: "MaskCLIP)"));
		else if (prompts != null && mode != prompts.denseMode()) notes.add("dense features " + mode.label() + " as "
			+ "asked, but the prompts were trained with " + prompts.denseMode().label());
		if (request.half() && !Torch.defaultDevice().isGpu()) notes.add("half precision on the CPU: libtorch's CPU fp16 "
			+ "kernels are about 4× slower than fp32 (bench --precisions fp32,fp16); fp16 is meant for GPUs");
		if (prompts != null) notes.addAll(promptLengthNotes(model, request.classes(), prompts.contextVectors()));
		else if (student == null) notes.addAll(templateLengthNotes(model, request.classes(), templates(request)));
		PixelClassifier classifier = studentClassifier != null ? studentClassifier : classifier(request, prompts, model,
			weights, models, progress);
		Resolved resolved = new Resolved(weights.weights(), model.config().describe(), Torch.describe(), request.half()
			? "fp16 (CLIP in half precision; scores in fp32)" : "fp32", classifier
			.method(), classifier.describe(), request.classes(), request.prompts(), templatesText(request), mode,
				request.denoise(), request.keySmoothing(), segmenter.resolution().options(), request
					.channels(), List.copyOf(notes), request.student());
		return new Prepared(request, segmenter, classifier, resolved, model, weights, student != null && student
			.lastBlock() != null ? request.student() : null);
	}

	private static DenseMode denseMode(SegmentRequest r, PromptSet prompts, StudentFile student) {
		if (r.denseMode() != null) return r.denseMode();
		return prompts != null ? prompts.denseMode() : student != null ? student.denseMode() : SegmentRequest
			.DEFAULT_DENSE_MODE;
	}

	private static PixelClassifier classifier(SegmentRequest r, PromptSet prompts, ClipModel model,
		ModelResolver.Resolved weights, ModelService models, Progress progress) throws IOException
	{
		if (prompts != null) return new MvpClassifier(model, prompts, r.classes(), r.gpr(), r.dropAbsent(), models
			.manager());
		// class-name embeddings also kept beside the model cache, keyed by the weights' tensors: a name typed before
		// costs nothing, in this process or the next
		var disk = ZeroShotClassifier.besideModelCache(org.mvpseg.models.ModelCache.locate(r.model().modelsDir()), weights
			.identity());
		return new ZeroShotClassifier(model, disk, r.classes(), templates(r), r.denoise(), r.keySmoothing(), r
			.temperature(), models.manager(), progress);
	}

	private static List<String> templates(SegmentRequest r) {
		if (r.templates() != null) return r.templates();
		List<String> own = modelTemplates(r.model());
		return own != null ? own : Templates.ensemble();
	}

	private static String templatesText(SegmentRequest r) {
		if (r.templates() != null) return "\"" + r.templates().get(0) + "\"";
		List<String> own = modelTemplates(r.model());
		return own != null ? own.size() + " (" + r.model().name() + "'s own, models/science-models.json)" : Templates
			.ensemble().size() + " (MaskCLIP's ensemble)";
	}

	/** A registry model's own default templates (BiomedCLIP, PLIP, QuiltNet), or null: MaskCLIP's ensemble. */
	static List<String> modelTemplates(ModelChoice m) {
		if (m.weights() != null) return null;
		try {
			return m.loadRegistry().about(m.name()).templates();
		}
		catch (IOException | IllegalArgumentException e) { // an unknown name was refused before anything loaded
			return null;
		}
	}

	/** CLIP reads 77 tokens (BiomedCLIP 256): say which class sentences are cut (the end of the name is then not seen). */
	static List<String> templateLengthNotes(ClipModel model, List<String> classes, List<String> templates) {
		List<String> notes = new ArrayList<>();
		int context = model.config().contextLength();
		for (String c : classes) {
			int longest = 0;
			for (String t : templates) longest = Math.max(longest, model.nameTokens(t.replace("{}", c)).length);
			if (longest + 2 > context) notes.add("class \"" + c + "\" makes sentences of up to " + (longest + 2)
				+ " tokens; CLIP reads the first " + context + ", the rest is cut");
		}
		return notes;
	}

	/** With learned prompts a sentence is [SOT] M context vectors, the name, "." [EOT] (BERT: [CLS] … [SEP]). */
	static List<String> promptLengthNotes(ClipModel model, List<String> classes, int contextVectors) {
		List<String> notes = new ArrayList<>();
		int context = model.config().contextLength(), room = context - 3 - contextVectors;
		for (String c : classes) {
			int n = model.nameTokens(c).length;
			if (n > room) notes.add("class \"" + c + "\" is " + n + " tokens; after " + contextVectors + " prompt vectors "
				+ "only its first " + room + " fit in CLIP's " + context + " tokens");
		}
		return notes;
	}
}
