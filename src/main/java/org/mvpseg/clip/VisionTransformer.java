package org.mvpseg.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.mvpseg.clip.io.WeightFormatException;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * OpenAI's {@code VisionTransformer}, plus MaskCLIP's dense value path for any input size. The same code runs timm's
 * ViT (BiomedCLIP's image tower), which differs only in names and in small exact ways ({@link Layout#TIMM};
 * docs/formulas.md, "timm ViT"), so every dense mode works on both.
 */
final class VisionTransformer implements VisionTower {

	/** Sizes of a ViT: width, heads, blocks, patch, native grid (positions per side) and embedding width. */
	record Sizes(int width, int heads, int layers, int patch, int grid, int embed) {}

	/**
	 * Tower-level tensor names and the differences between OpenAI's ViT and timm's under open_clip's TimmModel (pool
	 * '', proj 'linear'): timm's patch convolution has a bias, there is no ln_pre, the final norm has eps 1e-6 and the
	 * head is a Linear without bias ([E, W], used transposed). A null name is a part the layout lacks.
	 */
	record Layout(String conv, String convBias, String cls, String pos, String lnPre, String lnPost, String proj,
		boolean projIsLinear, String blocks, ResidualAttentionBlock.Names block)
	{
		static final Layout OPENAI = new Layout("visual.conv1.weight", null, "visual.class_embedding",
			"visual.positional_embedding", "visual.ln_pre", "visual.ln_post", "visual.proj", false,
			"visual.transformer.resblocks.", ResidualAttentionBlock.Names.OPENAI);
		static final Layout TIMM = new Layout("visual.trunk.patch_embed.proj.weight", "visual.trunk.patch_embed.proj.bias",
			"visual.trunk.cls_token", "visual.trunk.pos_embed", null, "visual.trunk.norm", "visual.head.proj.weight", true,
			"visual.trunk.blocks.", ResidualAttentionBlock.Names.TIMM);

		Layout withBlock(ResidualAttentionBlock.Names n) {
			return new Layout(conv, convBias, cls, pos, lnPre, lnPost, proj, projIsLinear, blocks, n);
		}
	}

	/**
	 * The final norm and the projection into the joint space: ln_post(x)·proj (timm: norm(x)·head.projᵀ, {@code proj}
	 * [W, E] either way). The frozen tower's, or a fine-tuned last block's ({@link LastBlock}).
	 */
	record Head(NDArray lnW, NDArray lnB, NDArray proj, float eps) {

		/** [..., W] → [..., E]. */
		NDArray apply(NDArray x) {
			return Nn.layerNorm(x, lnW, lnB, eps).matMul(proj);
		}
	}

	private final Layout layout;
	private final int width, patch, grid, embed;
	private final NDArray conv1, convB, classEmbedding, lnPreW, lnPreB;
	private final Head head;
	private final float[] positional;
	private final ResidualAttentionBlock[] blocks;
	/** The last block's value path and the head (the dense modes that attend run {@code blocks}' last). */
	private final LastBlock last;
	private final NDManager cacheManager;
	private final Map<Long, NDArray> posCache = new ConcurrentHashMap<>();

	VisionTransformer(Weights w, ClipConfig c, NDManager cacheManager) throws WeightFormatException {
		this(w, Layout.OPENAI.withBlock(ResidualAttentionBlock.openAi(c.quickGelu())), new Sizes(c.visionWidth(), c.visionHeads(), c.visionLayers(), c.patchSize(), c
			.imageResolution() / c.patchSize(), c.embedDim()), cacheManager);
	}

	VisionTransformer(Weights w, Layout l, Sizes s, NDManager cacheManager) throws WeightFormatException {
		layout = l;
		width = s.width();
		patch = s.patch();
		grid = s.grid();
		embed = s.embed();
		this.cacheManager = cacheManager;
		long rows = (long) grid * grid + 1;
		boolean openAi = l.pos.equals(Layout.OPENAI.pos); // [rows, W] tables; timm's carry a leading 1
		conv1 = w.get(l.conv, width, 3, patch, patch);
		convB = l.convBias == null ? null : w.get(l.convBias, width);
		classEmbedding = w.create(openAi ? w.floats(l.cls, width) : w.floats(l.cls, 1, 1, width), width);
		positional = openAi ? w.floats(l.pos, rows, width) : w.floats(l.pos, 1, rows, width);
		lnPreW = l.lnPre == null ? null : w.get(l.lnPre + ".weight", width);
		lnPreB = l.lnPre == null ? null : w.get(l.lnPre + ".bias", width);
		NDArray proj = l.projIsLinear ? w.create(transposed(w.floats(l.proj, embed, width), embed, width), width, embed)
			: w.get(l.proj, width, embed);
		head = new Head(w.get(l.lnPost + ".weight", width), w.get(l.lnPost + ".bias", width), proj, l.block.eps());
		blocks = new ResidualAttentionBlock[s.layers()];
		for (int i = 0; i < blocks.length; i++)
			blocks[i] = new ResidualAttentionBlock(w, l.blocks + i + ".", width, s.heads(), l.block);
		last = LastBlock.frozen(blocks[blocks.length - 1], head);
	}

	/** A row-major [r, c] matrix as [c, r]. */
	private static float[] transposed(float[] a, int r, int c) {
		float[] t = new float[a.length];
		for (int i = 0; i < r; i++)
			for (int j = 0; j < c; j++) t[j * r + i] = a[i * c + j];
		return t;
	}

	@Override
	public NDArray encodeImage(NDArray images) {
		return Nn.scoped(images, x -> {
			NDArray h = tokens(x, blocks.length - 1);
			// Only the class token of the last block is used: compute just that row.
			h = Nn.step(h, t -> blocks[blocks.length - 1].forwardFirstToken(t));
			long b = x.getShape().get(0);
			return head.apply(h.reshape(b, width));
		});
	}

	@Override
	public NDArray denseFeatures(NDArray images, DenseMode mode) {
		return Nn.scoped(images, x -> {
			NDArray h = tokens(x, blocks.length - 1);
			long b = x.getShape().get(0);
			int gh = (int) (x.getShape().get(2) / patch), gw = (int) (x.getShape().get(3) / patch);
			h = Nn.step(h, t -> lastBlock(t, mode, gh, gw));
			return head.apply(h).reshape(b, gh, gw, embed);
		});
	}

	@Override
	public ai.djl.ndarray.NDList denseFeaturesAndKeys(NDArray images, DenseMode mode) {
		NDManager caller = images.getManager();
		try (NDManager scope = caller.newSubManager()) {
			images.tempAttach(scope);
			NDArray x = images;
			long b = x.getShape().get(0);
			int gh = (int) (x.getShape().get(2) / patch), gw = (int) (x.getShape().get(3) / patch);
			NDArray h = tokens(x, blocks.length - 1);
			NDArray keys = last.keys(h.get(":, 1:, :")).reshape(b, gh, gw, width);
			NDArray f = lastBlock(h, mode, gh, gw);
			f = head.apply(f).reshape(b, gh, gw, embed);
			f.attach(caller);
			keys.attach(caller);
			return new ai.djl.ndarray.NDList(f, keys);
		}
	}

	/** The patch tokens entering the last block, [B, h·w, W] (class token dropped): what fine-tuning caches. */
	NDArray patchTokensBeforeLastBlock(NDArray images) {
		return Nn.scoped(images, x -> tokens(x, blocks.length - 1).get(":, 1:, :"));
	}

	/** The last block's value path and the head, over the frozen weights. */
	LastBlock lastBlock() {
		return last;
	}

	/** How the blocks normalise and activate (eps, QuickGELU or GELU). */
	ResidualAttentionBlock.Names blockNames() {
		return layout.block();
	}

	int width() {
		return width;
	}

	/** The last block's patch tokens under {@code mode}; the class token is dropped. */
	private NDArray lastBlock(NDArray h, DenseMode mode, int gh, int gw) {
		ResidualAttentionBlock b = blocks[blocks.length - 1];
		return switch (mode) {
			// The value path mixes no tokens: the class token is dropped before it (what fine-tuning caches).
			case MASKCLIP, VALUE -> last.forward(h.get(":, 1:, :"), mode);
			case CLEARCLIP -> b.surrogateAttention(h, true, false, null).get(":, 1:, :");
			case SCLIP -> b.surrogateAttention(h, true, true, null).get(":, 1:, :");
			case NACLIP -> b.surrogateAttention(h, false, true, neighbourhood(h.getManager(), gh, gw, h.getDataType()))
				.get(":, 1:, :");
		};
	}

	/**
	 * NACLIP's neighbourhood bias: exp(−‖pᵢ − pⱼ‖² / 2σ²), σ = 5 patches, between patch tokens; zero
	 * for rows and columns of the class token. [1 + gh·gw]².
	 */
	static NDArray neighbourhood(ai.djl.ndarray.NDManager m, int gh, int gw, ai.djl.ndarray.types.DataType dtype) {
		int n = gh * gw, l = n + 1;
		double sigma = 5;
		float[] g = new float[l * l];
		for (int i = 0; i < n; i++)
			for (int j = 0; j < n; j++) {
				int dy = i / gw - j / gw, dx = i % gw - j % gw;
				g[(i + 1) * l + j + 1] = (float) Math.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma));
			}
		return Nn.owned(m.create(g, new Shape(l, l)).toType(dtype, false));
	}

	/** conv1 → class token → positional embedding → ln_pre (OpenAI only) → the first {@code depth} blocks. */
	private NDArray tokens(NDArray x, int depth) {
		checkInput(x);
		long b = x.getShape().get(0);
		int gh = (int) (x.getShape().get(2) / patch), gw = (int) (x.getShape().get(3) / patch);
		NDArray p = Nn.conv2d(x, conv1, convB, patch, 0).reshape(b, width, (long) gh * gw).transpose(0, 2, 1);
		NDArray cls = x.getManager().zeros(new Shape(b, 1, width), x.getDataType()).add(classEmbedding);
		NDArray h = NDArrays.concat(new NDList(cls, p), 1).add(positionalEmbedding(gh, gw));
		if (lnPreW != null) h = Nn.layerNorm(h, lnPreW, lnPreB);
		for (int i = 0; i < depth; i++) {
			ResidualAttentionBlock blk = blocks[i];
			h = Nn.step(h, t -> blk.forward(t, null));
		}
		return h;
	}

	private void checkInput(NDArray x) {
		Shape s = x.getShape();
		if (s.dimension() != 4 || s.get(1) != 3 || s.get(2) % patch != 0 || s.get(3) % patch != 0 || s.get(2) == 0
			|| s.get(3) == 0)
		{
			throw new IllegalArgumentException("Image tensor must be [B,3,H,W] with H and W multiples of the patch size "
				+ patch + "; got " + s);
		}
	}

	/** [1 + gh·gw, W]: class row kept, the grid resized with PyTorch's bicubic (align_corners=False). */
	NDArray positionalEmbedding(int gh, int gw) {
		return posCache.computeIfAbsent(((long) gh << 32) | gw, key -> {
			float[] out = new float[(1 + gh * gw) * width];
			System.arraycopy(positional, 0, out, 0, width);
			float[] src = java.util.Arrays.copyOfRange(positional, width, positional.length);
			float[] resized = gh == grid && gw == grid ? src : Bicubic.resize(src, grid, grid, width, gh, gw);
			System.arraycopy(resized, 0, out, width, resized.length);
			synchronized (cacheManager) {
				return Nn.owned(cacheManager.create(out, new Shape(1 + (long) gh * gw, width)).toType(classEmbedding
					.getDataType(), false));
			}
		});
	}
}
