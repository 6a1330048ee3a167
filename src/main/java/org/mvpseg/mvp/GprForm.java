package org.mvpseg.mvp;

import java.util.Locale;

/**
 * How Global Prompt Refining's g_c is parametrised and learned (docs/formulas.md §5, GPR). Both pool the same
 * s_c = ⟨m_0^c, softmax_x(γ·m_0^c)⟩; they differ in how s_c becomes a logit and what SGD moves:
 * <pre>
 * paper:  g_c = σ((s_c − b) / τ₂)    τ₂ learned as is from 0.07; b learned only with --gpr-bias, else 0;
 *                                    L_cls summed over classes (the paper's)
 * siglip: g_c = σ(s_c / τ₂ + β)      log τ₂ learned from log 0.1 (as CLIP learns its logit scale), β from −10;
 *                                    L_cls the mean over classes (PyTorch's BCE), so that L_seg's −log g_{c*},
 *                                    which raises g_c of the classes present, is not outweighed by the absent ones
 * </pre>
 * SigLIP's (Zhai et al. 2023) sigmoid on cosines, with its initial scale and bias: every class starts judged absent
 * (most are), and neither the step on τ₂ nor the one on β grows as τ₂ shrinks, which is what threw the paper's τ₂
 * to ≈ 30 and left g_c ≈ ½ everywhere (README › What was measured here).
 */
public enum GprForm {
	PAPER("paper"), SIGLIP("siglip");

	private final String label;

	GprForm(String label) {
		this.label = label;
	}

	public String label() {
		return label;
	}

	/** τ₂ at the start of training. */
	double initialTau2() {
		return this == PAPER ? 0.07 : 0.1;
	}

	/** The bias at the start of training (b for the paper's form, β for SigLIP's). */
	double initialBias() {
		return this == PAPER ? 0 : -10;
	}

	/** Whether the bias is learned: SigLIP's form always; the paper's only when asked. */
	boolean learnsBias(boolean asked) {
		return this == SIGLIP || asked;
	}

	/** "paper" or "siglip"; anything else is refused with the choices. */
	public static GprForm parse(String text) {
		String t = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
		for (GprForm f : values()) if (f.label.equals(t)) return f;
		throw new IllegalArgumentException("unknown GPR form '" + text + "': choose siglip (the default: g_c = "
			+ "sigmoid(s/tau2 + bias), log tau2 and bias learned) or paper (the paper's literal g_c = sigmoid((s - b)/tau2))");
	}
}
