package org.mvpseg.mvp;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import org.mvpseg.clip.ClipModel;
import org.mvpseg.clip.Nn;

/**
 * The MVP-SEG head (docs/formulas.md §5), as differentiable NDArray functions. With dense features F̂
 * and prompt text features t̂ᵢᶜ (i = 0 the global prompt, 1..K the segmentation prompts):
 * <pre>
 * m_i^c(x) = ⟨F̂(x), t̂_i^c⟩                                 {@link #maps}
 * m_f      = softmax_c(τ₁ · Σ_{i=1..K} m_i)                 {@link #fusedLogits} (before the softmax)
 * s_c      = ⟨m_0^c, softmax_x(γ·m_0^c)⟩                     {@link #gprPooled}
 * g_c      = σ((s_c − b) / τ₂)  or  σ(s_c / τ₂ + β)           {@link #gprLogits} (before the sigmoid; {@link GprForm})
 * m_c      = m_f^c · g_c,   label = argmax_c m_c            {@link #logScores} = log m_c
 * </pre>
 */
public final class MvpHead {

	private MvpHead() {}

	/**
	 * Normalised text features of every (prompt, class) sentence
	 * {@code [SOT] p_i(1..M) tokens(c) "." [EOT]}: [K+1, C, E]. Gradients reach {@code context}.
	 */
	public static NDArray textFeatures(ClipModel model, NDArray context, int[][] classTokens) {
		long p = context.getShape().get(0);
		NDArray t = model.encodePrompts(context, classTokens); // [P·C, E], prompt-major
		t = t.div(t.norm(new int[] { -1 }, true));
		return t.reshape(p, classTokens.length, -1);
	}

	/** m_i^c(x): [B, h, w, E] features × [P, C, E] text → [B, P, C, h, w] cosines. */
	public static NDArray maps(NDArray features, NDArray text) {
		long b = features.getShape().get(0), h = features.getShape().get(1), w = features.getShape().get(2);
		long e = features.getShape().get(3), p = text.getShape().get(0), c = text.getShape().get(1);
		NDArray f = features.div(features.norm(new int[] { -1 }, true)).reshape(b, h * w, e);
		NDArray s = f.matMul(text.reshape(p * c, e).transpose()); // [B, hw, P·C]
		return s.transpose(0, 2, 1).reshape(b, p, c, h, w);
	}

	/** τ₁ · Σ_{i=1..K} m_i: [B, C, h, w] logits whose softmax over classes is m_f. */
	public static NDArray fusedLogits(NDArray maps, NDArray tau1Log) {
		return maps.get(":, 1:, :, :, :").sum(new int[] { 1 }).mul(tau1Log.exp());
	}

	/**
	 * GPR's pooled score s_c = ⟨m_0^c, softmax_x(γ·m_0^c)⟩ per image and class, [B, C]: the global prompt's
	 * cosines weighted towards their highest positions. The softmax runs over all positions x of the (window's) map.
	 */
	public static NDArray gprPooled(NDArray maps, double gamma) {
		long b = maps.getShape().get(0), c = maps.getShape().get(2);
		NDArray m0 = maps.get(":, 0, :, :, :").reshape(b, c, -1); // [B, C, hw]
		return m0.mul(Nn.times(m0, gamma).softmax(2)).sum(new int[] { 2 });
	}

	/**
	 * Global Prompt Refining before the sigmoid, [B, C], in the paper's form: (s_c − b) / τ₂.
	 *
	 * @param bias the learnable GPR bias b, or null for none
	 */
	public static NDArray gprLogits(NDArray maps, double gamma, NDArray tau2, NDArray bias) {
		NDArray pooled = gprPooled(maps, gamma);
		if (bias != null) pooled = pooled.sub(bias);
		return pooled.div(tau2);
	}

	/** GPR before the sigmoid in SigLIP's form, [B, C]: s_c · exp(−log τ₂) + β. */
	public static NDArray gprLogitsSiglip(NDArray maps, double gamma, NDArray tau2Log, NDArray beta) {
		return gprPooled(maps, gamma).mul(tau2Log.neg().exp()).add(beta);
	}

	/** GPR's logits in {@code form}; {@code tau2} is τ₂ (paper) or log τ₂ (SigLIP), {@code bias} b or β (or null). */
	public static NDArray gprLogits(GprForm form, NDArray maps, double gamma, NDArray tau2, NDArray bias) {
		return form == GprForm.PAPER ? gprLogits(maps, gamma, tau2, bias) : gprLogitsSiglip(maps, gamma, tau2, bias);
	}

	/** Below this g_c a class is judged absent (g_c is a probability of presence once trained: docs/formulas.md §6). */
	public static final double PRESENT = 0.5;

	/** What leaving a class out adds to its log score: probability 0 in float32 beside any class kept. */
	static final float LEFT_OUT = -1e4f;

	/**
	 * {@code --drop-absent}: per window (row of {@code g}, [B, C] g_c values), {@link #LEFT_OUT} for each class judged
	 * absent (g_c &lt; ½) and 0 for the others — a window where no class reaches ½ leaves none out. Finite, not −∞, so
	 * upsampling and averaging windows stay defined: a class left out by a window covering a pixel keeps a score about
	 * 10⁴/n below the rest there (n overlapping windows), far below exp's float32 range.
	 */
	public static float[] absentPenalty(float[] g, int classes) {
		float[] p = new float[g.length];
		for (int w = 0; w < g.length / classes; w++) {
			boolean anyPresent = false;
			for (int c = 0; c < classes; c++) anyPresent |= g[w * classes + c] >= PRESENT;
			for (int c = 0; c < classes && anyPresent; c++) if (g[w * classes + c] < PRESENT) p[w * classes + c] = LEFT_OUT;
		}
		return p;
	}

	/**
	 * {@code --drop-absent} on [B, C, h, w] log scores: each window's classes judged absent by its row of {@code g}
	 * ([B·C] g_c values) pushed to {@link #LEFT_OUT} ({@link #absentPenalty}).
	 */
	public static NDArray withoutAbsent(NDArray logScores, float[] g) {
		long b = logScores.getShape().get(0), c = logScores.getShape().get(1);
		NDArray penalty = Nn.owned(logScores.getManager().create(absentPenalty(g, (int) c), new ai.djl.ndarray.types
			.Shape(b, c, 1, 1)).toType(logScores.getDataType(), false));
		return logScores.add(penalty);
	}

	/** log σ(z), stable for any z: −(relu(−z) + log(1 + e^−|z|)). */
	public static NDArray logSigmoid(NDArray z) {
		return Activation.relu(z.neg()).add(z.abs().neg().exp().add(1).log()).neg();
	}

	/**
	 * log m_c = log softmax_c(fused) + log g_c: [B, C, h, w]. (Logits may be upsampled first; the
	 * per-pixel softmax offset cancels when scores are normalised again.)
	 */
	public static NDArray logScores(NDArray fusedLogits, NDArray gprLogits) {
		long b = gprLogits.getShape().get(0), c = gprLogits.getShape().get(1);
		return fusedLogits.logSoftmax(1).add(logSigmoid(gprLogits).reshape(b, c, 1, 1));
	}
}
