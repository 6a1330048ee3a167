package org.mvpseg.mvp;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.mvpseg.clip.ClipModel;
import org.mvpseg.clip.Nn;
import org.mvpseg.runtime.Torch;

/**
 * One MVP-SEG training step's forward and backward pass (docs/formulas.md §5): dense features of the
 * crops without gradients, the (K+1)·C prompt sentences through the frozen text tower, head and
 * losses, and the gradients w.r.t. the prompt vectors, log τ₁, τ₂ and the GPR bias. The trainer
 * applies them; {@code bench --train-step} times the same code.
 */
public final class TrainingStep {

	/** λ_seg, λ_cls, λ_oc. */
	public record LossWeights(double seg, double cls, double oc) {}

	/** Nanoseconds spent in each part. */
	public record Timings(long features, long text, long losses, long backward) {
		public long total() {
			return features + text + losses + backward;
		}
	}

	/**
	 * @param losses total, L_seg, L_cls, L_OC
	 * @param context ∂L/∂ prompt vectors, as {@link PromptSet#context()}
	 * @param scalars ∂L/∂ (log τ₁, τ₂ or log τ₂ as the GPR form learns it, bias); the bias's is 0 when it is not learned
	 */
	public record Gradients(double[] losses, float[] context, double[] scalars, Timings timings) {}

	private TrainingStep() {}

	/**
	 * @param pixels [batch, 3, crop, crop] CLIP-normalised crops
	 * @param labels [batch, crop, crop] class indices into {@code tokens}, or {@link MvpLosses#IGNORE}
	 * @param tokens BPE ids of each class name
	 */
	public static Gradients compute(ClipModel model, PromptSet p, int[][] tokens, float[] pixels, int[] labels,
		int batch, int crop, LossWeights w)
	{
		return compute(model, p.denseMode, p, tokens, pixels, labels, batch, crop, w);
	}

	/** As above, on the dense features of {@code mode}. */
	public static Gradients compute(ClipModel model, org.mvpseg.clip.DenseMode mode, PromptSet p, int[][] tokens,
		float[] pixels, int[] labels, int batch, int crop, LossWeights w)
	{
		try (NDManager m = Torch.newManager()) {
			long t0 = System.nanoTime();
			NDArray features = features(model, mode, m, pixels, batch, crop);
			long t1 = System.nanoTime();
			NDArray ctx = Nn.owned(m.create(p.context, new Shape(p.k + 1, p.m, p.width)));
			NDArray tau1 = Nn.owned(m.create(new float[] { (float) p.tau1Log }));
			// the paper's form learns τ₂ itself, SigLIP's log τ₂ (GprForm); the gradient is w.r.t. what is learned
			NDArray tau2 = Nn.owned(m.create(new float[] { (float) tau2Parameter(p) }));
			NDArray bias = Nn.owned(m.create(new float[] { (float) p.gprBias }));
			for (NDArray a : new NDArray[] { ctx, tau1, tau2, bias }) a.setRequiresGradient(true);
			long t2, t3;
			double[] values;
			try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
				NDArray text = MvpHead.textFeatures(model, ctx, tokens);
				t2 = System.nanoTime();
				MvpLosses.Terms t = MvpLosses.Terms.compute(features, text, ctx, tau1, p.gprForm, tau2, p.learnBias ? bias
					: null, p.gamma, labels, crop, crop, w.seg(), w.cls(), w.oc());
				values = new double[] { scalar(t.total()), scalar(t.seg()), scalar(t.cls()), scalar(t.oc()) };
				t3 = System.nanoTime();
				gc.backward(t.total());
			}
			float[] gCtx = ctx.getGradient().toFloatArray();
			double[] gScalar = { grad(tau1), grad(tau2), p.learnBias ? grad(bias) : 0 };
			long t4 = System.nanoTime();
			return new Gradients(values, gCtx, gScalar, new Timings(t1 - t0, t2 - t1, t3 - t2, t4 - t3));
		}
	}

	/** The GPR temperature as its form learns it: τ₂ (paper) or log τ₂ (SigLIP). */
	static double tau2Parameter(PromptSet p) {
		return p.gprForm == GprForm.PAPER ? p.tau2 : Math.log(p.tau2);
	}

	/** Frozen CLIP: no gradients recorded. */
	private static NDArray features(ClipModel model, org.mvpseg.clip.DenseMode mode, NDManager m, float[] pixels,
		int batch, int crop)
	{
		boolean prev = Torch.setGradMode(false);
		try {
			return model.denseFeatures(Nn.owned(m.create(pixels, new Shape(batch, 3, crop, crop))), mode);
		}
		finally {
			Torch.setGradMode(prev);
		}
	}

	private static double grad(NDArray a) {
		return scalar(a.getGradient());
	}

	private static double scalar(NDArray a) {
		return a.toType(DataType.FLOAT64, false).getDouble();
	}
}
