package org.mvpseg.clip;

import org.mvpseg.runtime.RequestException;

import java.util.Locale;

/**
 * How the last block of a ViT turns into per-patch features (docs/formulas.md §3). MaskCLIP is the
 * paper's baseline and is tested against reference outputs; the three training-free upgrades are
 * offered as options (published 8-benchmark averages, ViT-B/16: MaskCLIP 30.3, SCLIP 38.2,
 * ClearCLIP ≈ 38, NACLIP 39.4) and follow their papers' descriptions, without reference fixtures.
 */
public enum DenseMode {
	/** Value path only, residual and FFN kept (MaskCLIP's released ViT code). */
	MASKCLIP,
	/**
	 * The pure value path of MaskCLIP's paper: value → out_proj → ln_post → proj, no residual, no FFN.
	 * On a ResNet this is what MASKCLIP computes already (c_proj of the value projection).
	 */
	VALUE,
	/** Self-self attention softmax(q·qᵀ), no residual, no FFN. */
	CLEARCLIP,
	/** Correlative attention softmax(q·qᵀ) + softmax(k·kᵀ), residual and FFN kept. */
	SCLIP,
	/** k·kᵀ plus a Gaussian neighbourhood bias (σ = 5 patches) between patches, no residual, no FFN. */
	NACLIP;

	/** Whether a ResNet tower computes this mode (its attention pool has no residual or FFN to drop). */
	public boolean resNetCompatible() {
		return this == MASKCLIP || this == VALUE;
	}

	/** Refuses a mode the tower cannot compute: the one check behind segmenting, training and the towers. */
	public void requireSupportedBy(boolean vit) {
		if (!vit && !resNetCompatible()) throw new RequestException("Dense mode " + label() + " needs a ViT; ResNet "
			+ "towers use MaskCLIP's attention-pool value path (maskclip, or value: the same there).");
	}

	public static DenseMode parse(String name) {
		try {
			return valueOf(name.strip().toUpperCase(Locale.ROOT));
		}
		catch (IllegalArgumentException e) {
			throw new RequestException("Unknown dense mode '" + name + "': choose maskclip, value, clearclip, sclip or "
				+ "naclip.");
		}
	}

	public String label() {
		return name().toLowerCase(Locale.ROOT);
	}
}
