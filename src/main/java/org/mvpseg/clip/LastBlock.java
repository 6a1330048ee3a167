package org.mvpseg.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.List;

/**
 * A ViT's last block under the value-path dense modes, and the tower's head (docs/formulas.md §3), written once over
 * parameters that either the frozen model supplies (inference, {@link ClipModel#denseFeatures}) or a trainable copy
 * does (MVP-SEG+'s fine-tuning of the last stage, §8; gradients reach the copy). With x the patch tokens entering the
 * block (class token dropped; the value path mixes no tokens):
 * <pre>
 * o = out_proj(v_proj(ln_1(x)))                            value (MaskCLIP's paper)
 * h = o + x;  h = h + mlp(h)                                maskclip (MaskCLIP's released code)
 * F = ln_post(h) @ proj                                     the head
 * </pre>
 * with the model's LayerNorm eps and MLP activation (OpenAI's ViT: 1e-5 and QuickGELU; timm's: 1e-6 and the exact
 * GELU; open_clip's GELU towers: 1e-5 and GELU). The other modes attend, so they stay in the block with its q and k
 * ({@link ResidualAttentionBlock#surrogateAttention}); they are not fine-tuned.
 */
public final class LastBlock {

	/** Parameter names, OpenAI's (v_proj = the value rows of in_proj), in the order of {@link #initial}. */
	public static final List<String> NAMES = List.of("ln_1.weight", "ln_1.bias", "attn.v_proj.weight", "attn.v_proj.bias",
		"attn.out_proj.weight", "attn.out_proj.bias", "ln_2.weight", "ln_2.bias", "mlp.c_fc.weight", "mlp.c_fc.bias",
		"mlp.c_proj.weight", "mlp.c_proj.bias", "ln_post.weight", "ln_post.bias", "proj");

	private final NDArray ln1W, ln1B, vW, vB, outW, outB;
	/** The key rows of in_proj, for MaskCLIP's key smoothing; the frozen model's only (null in a trainable copy). */
	private final NDArray kW, kB;
	private final ResidualAttentionBlock.Mlp mlp;
	private final VisionTransformer.Head head;
	private final float eps;

	private LastBlock(List<NDArray> attention, NDArray kW, NDArray kB, ResidualAttentionBlock.Mlp mlp,
		VisionTransformer.Head head)
	{
		ln1W = attention.get(0);
		ln1B = attention.get(1);
		vW = attention.get(2);
		vB = attention.get(3);
		outW = attention.get(4);
		outB = attention.get(5);
		this.kW = kW;
		this.kB = kB;
		this.mlp = mlp;
		this.head = head;
		eps = mlp.names().eps();
	}

	/**
	 * The frozen model's: the key and value rows are views of the block's in_proj (only its query rows carry the
	 * scale), made for this block alone — no other block reads them. Called while the weights' manager takes views.
	 */
	static LastBlock frozen(ResidualAttentionBlock b, VisionTransformer.Head head) {
		int w = b.width;
		NDArray vW = b.inW.get("{}:{}", 2 * w, 3 * w), vB = b.inB.get("{}:{}", 2 * w, 3 * w);
		return new LastBlock(List.of(b.ln1W, b.ln1B, vW, vB, b.outW, b.outB), b.inW.get("{}:{}", w, 2 * w), b.inB.get(
			"{}:{}", w, 2 * w), b.mlp, head);
	}

	/**
	 * A trainable copy: {@code p} in {@link #NAMES}' order, the checkpoint's own form ({@link #initial}), on {@code
	 * model}'s layout. QuickGELU's fold is applied here as recorded products (in {@code p}'s manager), so build it
	 * where the gradient is taken.
	 */
	public static LastBlock of(ClipModel model, List<NDArray> p) {
		ResidualAttentionBlock.Names n = vit(model).blockNames();
		return new LastBlock(p.subList(0, 6), null, null, ResidualAttentionBlock.Mlp.folding(p.subList(6, 12), n),
			new VisionTransformer.Head(p.get(12), p.get(13), p.get(14), n.eps()));
	}

	private static VisionTransformer vit(ClipModel model) {
		if (!(model.visual() instanceof VisionTransformer v)) throw new IllegalArgumentException("only a ViT has a "
			+ "last block");
		return v;
	}

	/** The modes a fine-tuned last block can compute. */
	public static void requireSupported(DenseMode mode, boolean vit) {
		if (!vit || (mode != DenseMode.MASKCLIP && mode != DenseMode.VALUE)) throw new org.mvpseg.runtime
			.RequestException("Fine-tuning the last stage works on a ViT's maskclip or value features; this is "
				+ (vit ? mode.label() : "a ResNet") + ".");
	}

	/** The weights' own values (a copy, the fold undone). */
	public static float[][] initial(ClipModel model) {
		return vit(model).lastBlock().values();
	}

	/** This block's parameters as {@link #initial} gives them. */
	float[][] values() {
		List<float[]> l = new ArrayList<>();
		for (NDArray a : List.of(ln1W, ln1B, vW, vB, outW, outB)) l.add(a.toFloatArray());
		l.addAll(List.of(mlp.unfolded()));
		for (NDArray a : List.of(head.lnW(), head.lnB(), head.proj())) l.add(a.toFloatArray());
		return l.toArray(new float[0][]);
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

	/** [B, h·w, W] patch tokens → [B, gh, gw, E] dense features under {@code mode} (maskclip or value). */
	public NDArray features(NDArray tokens, DenseMode mode, int gh, int gw) {
		return head.apply(forward(tokens, mode)).reshape(tokens.getShape().get(0), gh, gw, -1);
	}

	/** The block's output for patch tokens {@code x} [B, N, W] → [B, N, W]; {@code x} is left intact. */
	NDArray forward(NDArray x, DenseMode mode) {
		return switch (mode) {
			case MASKCLIP -> valuePath(x);
			case VALUE -> value(x);
			default -> throw new IllegalArgumentException(mode.label() + " attends: not a value-path mode");
		};
	}

	/** MaskCLIP's last block: the value path, residual and MLP kept. */
	private NDArray valuePath(NDArray x) {
		NDArray h = Nn.addInto(value(x), x);
		return Nn.addInto(mlp.apply(h), h);
	}

	/** The pure value path: out_proj(value rows of in_proj(ln_1(x))), no residual, no MLP. */
	private NDArray value(NDArray x) {
		return rowsThenOutProj(x, vW, vB);
	}

	/**
	 * The attention keys of {@code x} as MaskCLIP's ViT backbone returns them for key smoothing: the key rows of
	 * in_proj, then the attention's out_proj with its bias (docs/formulas.md §4). The frozen model's block only.
	 */
	NDArray keys(NDArray x) {
		return rowsThenOutProj(x, kW, kB);
	}

	/** out_proj(rows(ln_1(x))) for some rows of in_proj (the value or the key rows); {@code x} is left intact. */
	private NDArray rowsThenOutProj(NDArray x, NDArray rowsW, NDArray rowsB) {
		NDArray n = Nn.layerNorm(x, ln1W, ln1B, eps);
		NDArray r = Nn.linear(n, rowsW, rowsB);
		n.close();
		NDArray o = Nn.linear(r, outW, outB);
		r.close();
		return o;
	}
}
