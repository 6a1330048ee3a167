package org.mvpseg.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;

import java.util.ArrayList;
import java.util.List;

/**
 * The last ViT block's value path with ln_post and proj as a differentiable function of its own parameters, for
 * MVP-SEG+'s optional fine-tuning of the last stage (docs/formulas.md §8). With x the patch tokens entering the
 * block (class token dropped; the value path mixes no tokens):
 * <pre>
 * o = out_proj(v_proj(ln_1(x)))                     value (MaskCLIP's paper)
 * h = o + x;  h = h + c_proj(QuickGELU(c_fc(ln_2(h))))   maskclip (MaskCLIP's released code) adds these
 *                                                      (timm's ViT and GELU towers: their eps and the exact GELU)
 * F = ln_post(h) @ proj
 * </pre>
 * Starting from the weights' own values it computes exactly {@link ClipModel#denseFeatures} for these modes.
 */
public final class LastBlock {

	/** Parameter names, OpenAI's (v_proj = the value rows of in_proj), in the order of {@link #initial}. */
	public static final List<String> NAMES = List.of("ln_1.weight", "ln_1.bias", "attn.v_proj.weight", "attn.v_proj.bias",
		"attn.out_proj.weight", "attn.out_proj.bias", "ln_2.weight", "ln_2.bias", "mlp.c_fc.weight", "mlp.c_fc.bias",
		"mlp.c_proj.weight", "mlp.c_proj.bias", "ln_post.weight", "ln_post.bias", "proj");

	private LastBlock() {}

	/** The modes a fine-tuned last block can compute. */
	public static void requireSupported(DenseMode mode, boolean vit) {
		if (!vit || (mode != DenseMode.MASKCLIP && mode != DenseMode.VALUE)) throw new org.mvpseg.runtime
			.RequestException("Fine-tuning the last stage works on a ViT's maskclip or value features; this is "
				+ (vit ? mode.label() : "a ResNet") + ".");
	}

	/** The weights' own values (a copy). */
	public static float[][] initial(ClipModel model) {
		return ((VisionTransformer) model.visual()).lastBlockParameters();
	}

	/** Shapes, by name: W the tower's width, E the embedding width. */
	public static Shape shape(int i, int w, int e) {
		return switch (i) {
			case 2, 4 -> new Shape(w, w);
			case 8 -> new Shape(4L * w, w);
			case 9 -> new Shape(4L * w);
			case 10 -> new Shape(w, 4L * w);
			case 14 -> new Shape(w, e);
			default -> new Shape(w);
		};
	}

	public static List<NDArray> arrays(NDManager m, float[][] p, int w, int e) {
		List<NDArray> l = new ArrayList<>();
		for (int i = 0; i < p.length; i++) l.add(Nn.owned(m.create(p[i], shape(i, w, e))));
		return l;
	}

	/**
	 * [B, h·w, W] patch tokens → [B, gh, gw, E] dense features, with {@code model}'s LayerNorm eps and MLP activation
	 * (OpenAI's ViT: 1e-5 and QuickGELU; timm's: 1e-6 and the exact GELU; open_clip's GELU towers: 1e-5 and GELU).
	 */
	public static NDArray features(ClipModel model, NDArray tokens, List<NDArray> p, DenseMode mode, int gh, int gw) {
		ClipConfig c = model.config();
		float eps = c.timmBert() ? ResidualAttentionBlock.Names.TIMM.eps() : ResidualAttentionBlock.Names.OPENAI.eps();
		NDArray n = Nn.layerNorm(tokens, p.get(0), p.get(1), eps);
		NDArray h = Nn.linear(Nn.linear(n, p.get(2), p.get(3)), p.get(4), p.get(5));
		if (mode == DenseMode.MASKCLIP) {
			h = h.add(tokens);
			NDArray y = Nn.linear(Nn.layerNorm(h, p.get(6), p.get(7), eps), p.get(8), p.get(9));
			NDArray act = c.quickGelu() ? y.mul(Activation.sigmoid(y.mul(1.702f))) : Activation.gelu(y);
			h = h.add(Nn.linear(act, p.get(10), p.get(11)));
		}
		NDArray f = Nn.layerNorm(h, p.get(12), p.get(13), eps).matMul(p.get(14));
		return f.reshape(tokens.getShape().get(0), gh, gw, -1);
	}
}
