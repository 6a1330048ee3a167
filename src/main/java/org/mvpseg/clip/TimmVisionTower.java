package org.mvpseg.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.norm.LayerNorm;
import org.mvpseg.clip.io.RawTensor;
import org.mvpseg.clip.io.WeightFormatException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * timm's ViT as BiomedCLIP's image tower (open_clip's TimmModel with pool '' and proj 'linear'; docs/formulas.md,
 * "BERT text tower"). It differs from OpenAI's ViT in small, exact ways: the patch convolution has a bias, there is no
 * ln_pre, the MLP uses the exact GELU, LayerNorms use eps 1e-6, and the image features are the class token's row after
 * the final norm times {@code head.proj} (no bias). Shapes: images [B, 3, S, S] normalised, features [B, E].
 * <pre>
 * x = [cls; conv(image) + b] + pos
 * per block:  x = x + proj(attn(LN₁(x)));  x = x + fc₂(GELU(fc₁(LN₂(x))))
 * f = LN(x)[:, 0] · head.projᵀ
 * </pre>
 * The head count is not in the tensors' shapes: the caller gives it (ViT-B/16: 12). Dense features on this tower are
 * not done yet.
 */
public final class TimmVisionTower implements AutoCloseable {

	private static final String WHAT = "a timm ViT in open_clip's layout";
	static final String T = "visual.trunk.";
	static final float EPS = 1e-6f;

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
	}

	private record Block(NDArray ln1W, NDArray ln1B, NDArray qkvW, NDArray qkvB, NDArray projW, NDArray projB,
		NDArray ln2W, NDArray ln2B, NDArray fc1W, NDArray fc1B, NDArray fc2W, NDArray fc2B) {}

	private final Config config;
	private final NDManager manager;
	private final NDArray conv, convB, cls, pos, normW, normB, head;
	private final Block[] blocks;

	private TimmVisionTower(Map<String, RawTensor> t, int heads, NDManager parent) throws WeightFormatException {
		config = Config.of(t, heads);
		manager = parent.newSubManager();
		Weights w = new Weights(t, manager, DataType.FLOAT32);
		int d = config.width, p = config.patch;
		conv = w.get(T + "patch_embed.proj.weight", d, 3, p, p);
		convB = w.get(T + "patch_embed.proj.bias", d);
		cls = w.get(T + "cls_token", 1, 1, d);
		pos = w.get(T + "pos_embed", 1, (long) config.grid * config.grid + 1, d);
		blocks = new Block[config.layers];
		for (int i = 0; i < blocks.length; i++) blocks[i] = block(w, T + "blocks." + i + ".", d);
		normW = w.get(T + "norm.weight", d);
		normB = w.get(T + "norm.bias", d);
		head = w.get("visual.head.proj.weight", config.embed, d);
	}

	private static Block block(Weights w, String p, int d) throws WeightFormatException {
		return new Block(w.get(p + "norm1.weight", d), w.get(p + "norm1.bias", d), w.get(p + "attn.qkv.weight", 3L * d, d),
			w.get(p + "attn.qkv.bias", 3L * d), w.get(p + "attn.proj.weight", d, d), w.get(p + "attn.proj.bias", d), w.get(p
				+ "norm2.weight", d), w.get(p + "norm2.bias", d), w.get(p + "mlp.fc1.weight", 4L * d, d), w.get(p
					+ "mlp.fc1.bias", 4L * d), w.get(p + "mlp.fc2.weight", d, 4L * d), w.get(p + "mlp.fc2.bias", d));
	}

	/** The tower in {@code file} (safetensors or a PyTorch checkpoint under open_clip's names). */
	public static TimmVisionTower load(Path file, int heads, NDManager parent) throws IOException {
		return Weights.build(file, t -> new TimmVisionTower(t, heads, parent));
	}

	public Config config() {
		return config;
	}

	/** Image features [B, E] (not normalised) of normalised images [B, 3, S, S] at the tower's own size. */
	public NDArray encodeImage(NDArray images) {
		long b = images.getShape().get(0);
		if (images.getShape().get(2) != config.imageSize() || images.getShape().get(3) != config.imageSize())
			throw new IllegalArgumentException("This tower takes " + config.imageSize() + " px images; got " + images
				.getShape() + ".");
		NDArray patches = Nn.conv2d(images, conv, convB, config.patch, 0).reshape(b, config.width, -1).transpose(0, 2, 1);
		NDArray x = NDArrays.concat(new NDList(cls.broadcast(b, 1, config.width), patches), 1).add(pos);
		for (Block blk : blocks) x = forward(blk, x);
		return Nn.linear(layerNorm(x.get(":, 0, :"), normW, normB), head, null);
	}

	private NDArray forward(Block w, NDArray x) {
		long b = x.getShape().get(0), n = x.getShape().get(1);
		int heads = config.heads, dh = config.width / heads;
		NDArray qkv = Nn.linear(layerNorm(x, w.ln1W, w.ln1B), w.qkvW, w.qkvB).reshape(b, n, 3, heads, dh).transpose(2, 0,
			3, 1, 4);
		NDArray q = qkv.get(0), k = qkv.get(1), v = qkv.get(2);
		NDArray a = q.matMul(k.transpose(0, 1, 3, 2)).mul(1 / Math.sqrt(dh)).softmax(-1);
		NDArray o = a.matMul(v).transpose(0, 2, 1, 3).reshape(b, n, config.width);
		x = x.add(Nn.linear(o, w.projW, w.projB));
		NDArray h = BertTextTower.gelu(Nn.linear(layerNorm(x, w.ln2W, w.ln2B), w.fc1W, w.fc1B));
		return x.add(Nn.linear(h, w.fc2W, w.fc2B));
	}

	private static NDArray layerNorm(NDArray x, NDArray gamma, NDArray beta) {
		return LayerNorm.layerNorm(x, new Shape(gamma.getShape().get(0)), gamma, beta, EPS).singletonOrThrow();
	}

	@Override
	public void close() {
		manager.close();
	}
}
