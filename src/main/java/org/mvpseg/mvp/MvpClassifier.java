package org.mvpseg.mvp;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import org.mvpseg.clip.ClipModel;
import org.mvpseg.clip.Nn;
import org.mvpseg.segment.PixelClassifier;

import java.util.List;
import java.util.Locale;

/**
 * MVP-SEG inference in the shared sliding-window pipeline: per window, log m_c = log m_f^c + log g_c
 * (upsampled and averaged like any score); probabilities are m_c normalised over classes, so the
 * label is argmax_c m_c. GPR's g_c goes with each window's scores as its class presence ({@link #score}); the
 * classifier keeps no record of images, so one serves any number of them and of threads.
 * Any class names work, seen or not: that is the point of learned prompts.
 */
public final class MvpClassifier implements PixelClassifier {

	private final List<String> names;
	private final PromptSet prompts;
	private final NDManager manager;
	private final NDArray text, tau1Log, tau2, bias;
	private final boolean useGpr, dropAbsent;

	public MvpClassifier(ClipModel model, PromptSet prompts, List<String> classNames, NDManager parent) {
		this(model, prompts, classNames, true, parent);
	}

	/** @param useGpr false: g_c = 1 (labels from the fused multi-view scores alone; GPR still reported) */
	public MvpClassifier(ClipModel model, PromptSet prompts, List<String> classNames, boolean useGpr,
		NDManager parent)
	{
		this(model, prompts, classNames, useGpr, false, parent);
	}

	/** @param dropAbsent leave out of each window the classes GPR judges absent there ({@link MvpHead#absentPenalty}) */
	public MvpClassifier(ClipModel model, PromptSet prompts, List<String> classNames, boolean useGpr,
		boolean dropAbsent, NDManager parent)
	{
		if (dropAbsent && !useGpr) throw new IllegalArgumentException("dropping absent classes needs GPR on");
		this.useGpr = useGpr;
		this.dropAbsent = dropAbsent;
		this.names = List.copyOf(classNames);
		this.prompts = prompts;
		this.manager = parent.newSubManager();
		NDArray ctx = Nn.owned(manager.create(prompts.context, new Shape(prompts.k + 1, prompts.m, prompts.width))
			.toType(model.dataType(), false));
		this.text = MvpHead.textFeatures(model, ctx, PromptTrainer.classTokens(model, names));
		this.tau1Log = scalar(prompts.tau1Log, model);
		this.tau2 = scalar(TrainingStep.tau2Parameter(prompts), model); // τ₂ or log τ₂, as its GPR form takes it
		this.bias = prompts.learnBias ? scalar(prompts.gprBias, model) : null;
	}

	private NDArray scalar(double v, ClipModel model) {
		return Nn.owned(manager.create(new float[] { (float) v }).toType(model.outputType(), false));
	}

	@Override
	public List<String> classNames() {
		return names;
	}

	@Override
	public NDArray scores(NDArray features) {
		return score(features, null).scores();
	}

	/** The scores and each window's g_c, [B·C] (GPR's presence, reported whether or not it weighs the scores). */
	@Override
	public Scored score(NDArray features, NDArray keys) {
		NDArray maps = MvpHead.maps(features, text);
		NDArray gpr = MvpHead.gprLogits(prompts.gprForm, maps, prompts.gamma, tau2, bias);
		float[] g = Activation.sigmoid(gpr).toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
		NDArray fused = MvpHead.fusedLogits(maps, tau1Log);
		NDArray s = useGpr ? MvpHead.logScores(fused, gpr) : fused.logSoftmax(1);
		return new Scored(dropAbsent ? MvpHead.withoutAbsent(s, g) : s, g);
	}

	/** The K segmentation prompts' text features (the global prompt p₀ left out): [K, C, E]. */
	@Override
	public java.util.Optional<Embeddings> embeddings() {
		NDArray seg = text.get("1:, :, :").toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
		return java.util.Optional.of(new Embeddings((int) seg.getShape().get(0), (int) seg.getShape().get(2), seg
			.toFloatArray()));
	}

	/** GPR on its own over these classes (p₀'s text features, τ₂, bias, γ), for a student to weigh its scores by. */
	public Gpr gpr() {
		float[] global = text.get("0, :, :").toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
		return new Gpr(prompts.gprForm, prompts.gamma, prompts.tau2, prompts.learnBias ? prompts.gprBias : Double.NaN,
			names, (int) text.getShape().get(2), global);
	}

	@Override
	public void toProbabilities(float[][] scores, int offset, int n) {
		org.mvpseg.segment.ZeroShotClassifier.softmax(scores, offset, n, 1f);
	}

	@Override
	public String method() {
		return "MVP-SEG";
	}

	@Override
	public String describe() {
		return String.format(Locale.ROOT, "MVP-SEG learned prompts (K=%d, M=%d, tau1=%.2f, GPR form %s, tau2=%.4f, "
			+ "trained on %s%s)", prompts.k, prompts.m, prompts.tau1(), prompts.gprForm.label(), prompts.tau2, prompts
				.seenClasses, !useGpr ? "; GPR off at inference: g_c = 1" : dropAbsent ? "; classes judged absent in a "
					+ "window (g_c < 0.5) left out of it" : "");
	}

	@Override
	public void close() {
		manager.close();
	}
}
