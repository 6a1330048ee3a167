package org.mvpseg.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import org.mvpseg.clip.io.WeightFormatException;

/**
 * OpenAI's {@code ModifiedResNet}: 3-conv stem, anti-aliased Bottlenecks (avgpool before the
 * strided conv3 and in the downsample branch), attention pooling. BatchNorm (inference mode) is
 * folded into the preceding convolution at load time: same maths, one op fewer per layer.
 */
final class ModifiedResNet implements VisionTower {

	/** A convolution with its BatchNorm folded in: conv(x, w·s) + (β − μ·s), s = γ/√(σ²+ε). */
	private record ConvBn(NDArray w, NDArray b, int stride, int pad) {
		static ConvBn load(Weights w, String conv, String bn, int out, int in, int k, int stride, int pad)
			throws WeightFormatException
		{
			float[] kernel = w.floats(conv + ".weight", out, in, k, k);
			float[] g = w.floats(bn + ".weight", out), beta = w.floats(bn + ".bias", out);
			float[] mean = w.floats(bn + ".running_mean", out), var = w.floats(bn + ".running_var", out);
			float[] bias = new float[out];
			int per = in * k * k;
			for (int o = 0; o < out; o++) {
				double s = g[o] / Math.sqrt(var[o] + 1e-5);
				for (int i = 0; i < per; i++) kernel[o * per + i] = (float) (kernel[o * per + i] * s);
				bias[o] = (float) (beta[o] - mean[o] * s);
			}
			return new ConvBn(w.create(kernel, out, in, k, k), w.create(bias, out), stride, pad);
		}

		NDArray apply(NDArray x) {
			return Nn.conv2d(x, w, b, stride, pad);
		}
	}

	private record Bottleneck(ConvBn c1, ConvBn c2, ConvBn c3, ConvBn down, int stride) {
		NDArray forward(NDArray x) {
			NDArray out = Activation.relu(c1.apply(x));
			out = Activation.relu(c2.apply(out));
			if (stride > 1) out = Nn.avgPool(out, stride);
			out = c3.apply(out);
			NDArray identity = down == null ? x : down.apply(stride > 1 ? Nn.avgPool(x, stride) : x);
			return Activation.relu(out.add(identity));
		}
	}

	private final ConvBn stem1, stem2, stem3;
	private final Bottleneck[] layers;
	private final int width, heads, embed;
	private final NDArray pos, qW, qB, kW, kB, vW, vB, cW, cB;

	ModifiedResNet(Weights w, ClipConfig c) throws WeightFormatException {
		width = c.visionWidth();
		heads = c.visionHeads();
		embed = c.embedDim();
		stem1 = ConvBn.load(w, "visual.conv1", "visual.bn1", width / 2, 3, 3, 2, 1);
		stem2 = ConvBn.load(w, "visual.conv2", "visual.bn2", width / 2, width / 2, 3, 1, 1);
		stem3 = ConvBn.load(w, "visual.conv3", "visual.bn3", width, width / 2, 3, 1, 1);
		int[] counts = c.resnetLayers();
		java.util.List<Bottleneck> all = new java.util.ArrayList<>();
		int inplanes = width;
		for (int s = 0; s < 4; s++) {
			int planes = width << s;
			for (int i = 0; i < counts[s]; i++) {
				int stride = (s > 0 && i == 0) ? 2 : 1;
				String p = "visual.layer" + (s + 1) + "." + i + ".";
				ConvBn c1 = ConvBn.load(w, p + "conv1", p + "bn1", planes, inplanes, 1, 1, 0);
				ConvBn c2 = ConvBn.load(w, p + "conv2", p + "bn2", planes, planes, 3, 1, 1);
				ConvBn c3 = ConvBn.load(w, p + "conv3", p + "bn3", planes * 4, planes, 1, 1, 0);
				ConvBn down = (stride > 1 || inplanes != planes * 4)
					? ConvBn.load(w, p + "downsample.0", p + "downsample.1", planes * 4, inplanes, 1, 1, 0) : null;
				all.add(new Bottleneck(c1, c2, c3, down, stride));
				inplanes = planes * 4;
			}
		}
		layers = all.toArray(new Bottleneck[0]);
		int dim = width * 32, spatial = c.imageResolution() / 32;
		String a = "visual.attnpool.";
		pos = w.get(a + "positional_embedding", (long) spatial * spatial + 1, dim);
		qW = w.get(a + "q_proj.weight", dim, dim);
		qB = w.get(a + "q_proj.bias", dim);
		kW = w.get(a + "k_proj.weight", dim, dim);
		kB = w.get(a + "k_proj.bias", dim);
		vW = w.get(a + "v_proj.weight", dim, dim);
		vB = w.get(a + "v_proj.bias", dim);
		cW = w.get(a + "c_proj.weight", embed, dim);
		cB = w.get(a + "c_proj.bias", embed);
	}

	/** Stem and the four stages: [B,3,H,W] → [B, 32·width, H/32, W/32]. */
	private NDArray trunk(NDArray x) {
		Shape s = x.getShape();
		if (s.dimension() != 4 || s.get(1) != 3 || s.get(2) % 32 != 0 || s.get(3) % 32 != 0 || s.get(2) == 0)
			throw new IllegalArgumentException("Image tensor must be [B,3,H,W] with H and W multiples of 32; got " + s);
		NDArray h = Activation.relu(stem1.apply(x));
		h = Nn.step(h, t -> Activation.relu(stem2.apply(t)));
		h = Nn.step(h, t -> Nn.avgPool(Activation.relu(stem3.apply(t)), 2));
		for (Bottleneck b : layers) h = Nn.step(h, b::forward);
		return h;
	}

	@Override
	public NDArray encodeImage(NDArray images) {
		return Nn.scoped(images, x -> {
			NDArray f = trunk(x);
			long b = f.getShape().get(0), c = f.getShape().get(1), hw = f.getShape().get(2) * f.getShape().get(3);
			if (hw + 1 != pos.getShape().get(0)) throw new IllegalArgumentException("encode_image of the ResNet needs "
				+ "the native resolution (attention-pool positional embedding); use denseFeatures for other sizes");
			NDArray t = f.reshape(b, c, hw).transpose(0, 2, 1); // [B, HW, C]
			t = NDArrays.concat(new NDList(t.mean(new int[] { 1 }, true), t), 1).add(pos);
			int dh = (int) c / heads;
			NDArray q = Nn.times(Nn.linear(t.get(":, :1, :"), qW, qB), 1.0 / Math.sqrt(dh))
				.reshape(b, 1, heads, dh).transpose(0, 2, 1, 3);
			NDArray k = Nn.linear(t, kW, kB).reshape(b, hw + 1, heads, dh).transpose(0, 2, 1, 3);
			NDArray v = Nn.linear(t, vW, vB).reshape(b, hw + 1, heads, dh).transpose(0, 2, 1, 3);
			NDArray o = q.matMul(k.transpose(0, 1, 3, 2)).softmax(-1).matMul(v); // [B, H, 1, dh]
			return Nn.linear(o.transpose(0, 2, 1, 3).reshape(b, c), cW, cB);
		});
	}

	@Override
	public ai.djl.ndarray.NDList denseFeaturesAndKeys(NDArray images, DenseMode mode) {
		mode.requireSupportedBy(false);
		ai.djl.ndarray.NDManager caller = images.getManager();
		try (ai.djl.ndarray.NDManager scope = caller.newSubManager()) {
			images.tempAttach(scope);
			NDArray f = trunk(images).transpose(0, 2, 3, 1); // [B, h, w, C]
			NDArray dense = Nn.linear(Nn.linear(f, vW, vB), cW, cB);
			NDArray keys = Nn.linear(f, kW, kB);
			dense.attach(caller);
			keys.attach(caller);
			return new ai.djl.ndarray.NDList(dense, keys);
		}
	}

	/** MaskCLIP for the ResNet: attention pool without q/k, {@code c_proj(v_proj(X))} at every position. */
	@Override
	public NDArray denseFeatures(NDArray images, DenseMode mode) {
		mode.requireSupportedBy(false);
		return Nn.scoped(images, x -> {
			NDArray f = trunk(x).transpose(0, 2, 3, 1); // [B, h, w, C]
			return Nn.linear(Nn.linear(f, vW, vB), cW, cB);
		});
	}
}
