package org.mvpseg.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import org.mvpseg.clip.io.RawTensor;
import org.mvpseg.clip.io.WeightFormatException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * timm's ViT as BiomedCLIP's image tower (open_clip's TimmModel with pool '' and proj 'linear'; docs/formulas.md,
 * "timm ViT"), computed by {@link VisionTransformer} under {@link VisionTransformer.Layout#TIMM}: the patch convolution
 * has a bias, there is no ln_pre, the MLP uses the exact GELU, LayerNorms use eps 1e-6, and the features are the final
 * norm's rows times {@code head.proj}ᵀ (no bias). Image features are the class token's row; dense features (every
 * {@link DenseMode}) are the patch rows after the same last-block surgery as on OpenAI's ViT. Shapes: images
 * [B, 3, H, W] normalised (H, W multiples of the patch; positions resized bicubically off the native grid, as MaskCLIP
 * does), features [B, E], dense features [B, H/p, W/p, E].
 * <p>
 * The head count is not in the tensors' shapes: the caller gives it (ViT-B/16: 12).
 */
public final class TimmVisionTower implements VisionTower, AutoCloseable {

	private static final String WHAT = "a timm ViT in open_clip's layout";
	static final String T = "visual.trunk.";

	/** Sizes, all but {@code heads} read from the tensors' shapes. */
	public record Config(int width, int heads, int layers, int patch, int grid, int embed) {

		static Config of(Map<String, RawTensor> t, int heads) throws WeightFormatException {
			RawTensor conv = Weights.require(t, T + "patch_embed.proj.weight", WHAT);
			RawTensor pos = Weights.require(t, T + "pos_embed", WHAT);
			int layers = 0;
			while (t.containsKey(T + "blocks." + layers + ".attn.qkv.weight")) layers++;
			int width = (int) conv.shape()[0], grid = (int) Math.round(Math.sqrt(pos.shape()[1] - 1));
			if (layers == 0 || heads <= 0 || width % heads != 0 || grid * grid != pos.shape()[1] - 1)
				throw new WeightFormatException("Not a timm ViT with " + heads + " heads: " + layers + " blocks of width "
					+ width + ", " + (pos.shape()[1] - 1) + " positions.");
			long embed = Weights.require(t, "visual.head.proj.weight", WHAT).shape()[0];
			return new Config(width, heads, layers, (int) conv.shape()[2], grid, (int) embed);
		}

		public int imageSize() {
			return patch * grid;
		}

		VisionTransformer.Sizes sizes() {
			return new VisionTransformer.Sizes(width, heads, layers, patch, grid, embed);
		}
	}

	private final Config config;
	private final NDManager manager;
	private final VisionTransformer vit;

	private TimmVisionTower(Map<String, RawTensor> t, int heads, NDManager parent) throws WeightFormatException {
		config = Config.of(t, heads);
		manager = parent.newSubManager();
		try {
			vit = build(new Weights(t, manager, DataType.FLOAT32), config, manager);
		}
		catch (WeightFormatException | RuntimeException e) {
			manager.close();
			throw e;
		}
	}

	/** The tower as a {@link VisionTransformer} on {@code w}; positions resized for other grids are cached in {@code cache}. */
	static VisionTransformer build(Weights w, Config c, NDManager cache) throws WeightFormatException {
		return new VisionTransformer(w, VisionTransformer.Layout.TIMM, c.sizes(), cache);
	}

	/** The tower in {@code file} (safetensors or a PyTorch checkpoint under open_clip's names). */
	public static TimmVisionTower load(Path file, int heads, NDManager parent) throws IOException {
		return Weights.build(file, t -> new TimmVisionTower(t, heads, parent));
	}

	public Config config() {
		return config;
	}

	/** Image features [B, E] (not normalised) of normalised images [B, 3, H, W]. */
	@Override
	public NDArray encodeImage(NDArray images) {
		return vit.encodeImage(images);
	}

	@Override
	public NDArray denseFeatures(NDArray images, DenseMode mode) {
		return vit.denseFeatures(images, mode);
	}

	@Override
	public NDList denseFeaturesAndKeys(NDArray images, DenseMode mode) {
		return vit.denseFeaturesAndKeys(images, mode);
	}

	@Override
	public void close() {
		manager.close();
	}
}
