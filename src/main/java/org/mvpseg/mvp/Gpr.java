package org.mvpseg.mvp;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.mvpseg.clip.Nn;

import java.util.List;
import java.util.Locale;

/**
 * Global Prompt Refining on its own (docs/formulas.md §5 and §8): the global prompt p₀'s text features for a list of
 * classes with the learned τ₂, bias and γ, so that a classifier other than MVP-SEG's — MVP-SEG+'s student — weighs its
 * scores by its teacher's g_c. Immutable; the same g_c as {@link MvpClassifier} computes for those classes.
 *
 * @param tau2 τ₂ itself (whatever the form learns: τ₂ or log τ₂)
 * @param bias b (paper) or β (SigLIP), or NaN for none (the paper's form without a learned bias)
 * @param classes the class of each row of {@code text}
 * @param text [C, E] normalised text features of p₀ for each class, row-major
 */
public record Gpr(GprForm form, double gamma, double tau2, double bias, List<String> classes, int width, float[] text) {

	public Gpr {
		classes = List.copyOf(classes);
		if (text.length != classes.size() * width) throw new IllegalArgumentException("GPR's text features have "
			+ text.length + " values, expected " + classes.size() + " × " + width);
		if (!(tau2 > 0) || !Double.isFinite(gamma)) throw new IllegalArgumentException("GPR needs τ₂ > 0 and a finite γ");
	}

	/** GPR's logits per window and class, [B, C] (g_c = σ of them), for [B, h, w, E] dense features. */
	public NDArray logits(NDArray features) {
		NDManager m = features.getManager();
		NDArray f = features.toType(DataType.FLOAT32, false);
		NDArray t = Nn.owned(m.create(text, new Shape(1, classes.size(), width)));
		double parameter = form == GprForm.PAPER ? tau2 : Math.log(tau2);
		NDArray tau = Nn.owned(m.create(new float[] { (float) parameter }));
		NDArray b = Double.isNaN(bias) ? null : Nn.owned(m.create(new float[] { (float) bias }));
		return MvpHead.gprLogits(form, MvpHead.maps(f, t), gamma, tau, b);
	}

	/** The same GPR over {@code names} (each one of {@link #classes}), in their order. */
	public Gpr select(List<String> names) {
		float[] out = new float[names.size() * width];
		for (int c = 0; c < names.size(); c++) {
			int at = classes.indexOf(names.get(c));
			if (at < 0) throw new IllegalArgumentException("GPR has no global prompt features for \"" + names.get(c) + "\"");
			System.arraycopy(text, at * width, out, c * width, width);
		}
		return new Gpr(form, gamma, tau2, bias, names, width, out);
	}

	/** One line for logs and provenance. */
	public String describe() {
		return String.format(Locale.ROOT, "GPR form %s, tau2=%.4f%s", form.label(), tau2, Double.isNaN(bias) ? ""
			: String.format(Locale.ROOT, ", bias %.3f", bias));
	}
}
