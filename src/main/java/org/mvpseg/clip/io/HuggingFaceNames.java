package org.mvpseg.clip.io;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Maps Hugging Face {@code transformers} CLIP names onto OpenAI's (same model, other names):
 * <pre>
 * text_model.embeddings.token_embedding.weight          → token_embedding.weight
 * text_model.embeddings.position_embedding.weight       → positional_embedding
 * text_model.encoder.layers.N.self_attn.{q,k,v}_proj.*  → transformer.resblocks.N.attn.in_proj_* (q,k,v stacked)
 * …self_attn.out_proj.*                                 → …attn.out_proj.*
 * …layer_norm1.* / layer_norm2.*                         → …ln_1.* / ln_2.*
 * …mlp.fc1.* / mlp.fc2.*                                 → …mlp.c_fc.* / mlp.c_proj.*
 * text_model.final_layer_norm.*                         → ln_final.*
 * text_projection.weight [E,W]                          → text_projection [W,E] (transposed)
 * vision_model.embeddings.class_embedding               → visual.class_embedding
 * vision_model.embeddings.patch_embedding.weight        → visual.conv1.weight
 * vision_model.embeddings.position_embedding.weight     → visual.positional_embedding
 * vision_model.pre_layrnorm.* / post_layernorm.*         → visual.ln_pre.* / visual.ln_post.*
 * vision_model.encoder.layers.N.…                        → visual.transformer.resblocks.N.… (as for text)
 * visual_projection.weight [E,W]                        → visual.proj [W,E] (transposed)
 * logit_scale                                           → logit_scale
 * </pre>
 * Files already in OpenAI's names pass through unchanged.
 */
public final class HuggingFaceNames {

	private static final Pattern LAYER = Pattern.compile("(text|vision)_model\\.encoder\\.layers\\.(\\d+)\\.(.+)");

	private HuggingFaceNames() {}

	public static boolean isHuggingFace(Map<String, RawTensor> t) {
		return t.keySet().stream().anyMatch(k -> k.startsWith("text_model.") || k.startsWith("vision_model."));
	}

	public static Map<String, RawTensor> toOpenAi(Map<String, RawTensor> hf) throws WeightFormatException {
		if (!isHuggingFace(hf)) return hf;
		Map<String, RawTensor> out = new LinkedHashMap<>();
		for (Map.Entry<String, RawTensor> e : hf.entrySet()) {
			String k = e.getKey();
			RawTensor t = e.getValue();
			Matcher m = LAYER.matcher(k);
			if (m.matches()) {
				String prefix = (m.group(1).equals("text") ? "" : "visual.") + "transformer.resblocks." + m.group(2) + ".";
				String rest = m.group(3);
				if (rest.matches("self_attn\\.[kv]_proj\\..*")) continue; // stacked with q below
				if (rest.matches("self_attn\\.q_proj\\.(weight|bias)")) {
					String kind = rest.endsWith("weight") ? "weight" : "bias";
					String base = k.substring(0, k.length() - ("q_proj." + kind).length());
					RawTensor q = t, kk = need(hf, base + "k_proj." + kind), v = need(hf, base + "v_proj." + kind);
					put(out, prefix + "attn.in_proj_" + kind, concat0(q, kk, v));
					continue;
				}
				rest = rest.replace("self_attn.out_proj.", "attn.out_proj.").replace("layer_norm1.", "ln_1.")
					.replace("layer_norm2.", "ln_2.").replace("mlp.fc1.", "mlp.c_fc.").replace("mlp.fc2.", "mlp.c_proj.");
				put(out, prefix + rest, t);
				continue;
			}
			switch (k) {
				case "text_model.embeddings.token_embedding.weight" -> put(out, "token_embedding.weight", t);
				case "text_model.embeddings.position_embedding.weight" -> put(out, "positional_embedding", t);
				case "text_model.final_layer_norm.weight" -> put(out, "ln_final.weight", t);
				case "text_model.final_layer_norm.bias" -> put(out, "ln_final.bias", t);
				case "text_projection.weight" -> put(out, "text_projection", transpose(t));
				case "vision_model.embeddings.class_embedding" -> put(out, "visual.class_embedding", t);
				case "vision_model.embeddings.patch_embedding.weight" -> put(out, "visual.conv1.weight", t);
				case "vision_model.embeddings.position_embedding.weight" -> put(out, "visual.positional_embedding", t);
				case "vision_model.pre_layrnorm.weight" -> put(out, "visual.ln_pre.weight", t);
				case "vision_model.pre_layrnorm.bias" -> put(out, "visual.ln_pre.bias", t);
				case "vision_model.post_layernorm.weight" -> put(out, "visual.ln_post.weight", t);
				case "vision_model.post_layernorm.bias" -> put(out, "visual.ln_post.bias", t);
				case "visual_projection.weight" -> put(out, "visual.proj", transpose(t));
				case "logit_scale" -> put(out, "logit_scale", t);
				default -> { } // position_ids and other buffers are not weights
			}
		}
		return out;
	}

	private static RawTensor need(Map<String, RawTensor> m, String k) throws WeightFormatException {
		RawTensor t = m.get(k);
		if (t == null) throw new WeightFormatException("Hugging Face CLIP file lacks " + k + "; the file is incomplete.");
		return t;
	}

	private static void put(Map<String, RawTensor> out, String name, RawTensor t) {
		out.put(name, WeightFiles.rename(t, name));
	}

	private static RawTensor concat0(RawTensor... parts) throws WeightFormatException {
		long rows = 0;
		int bytes = 0;
		for (RawTensor p : parts) {
			if (p.type() != parts[0].type()) throw new WeightFormatException("q/k/v of " + parts[0].name()
				+ " have different dtypes");
			rows += p.shape()[0];
			bytes += p.data().capacity();
		}
		ByteBuffer b = ByteBuffer.allocate(bytes);
		for (RawTensor p : parts) b.put(p.data().duplicate().clear());
		long[] shape = parts[0].shape().clone();
		shape[0] = rows;
		return new RawTensor(parts[0].name(), parts[0].type(), shape, b.flip());
	}

	private static RawTensor transpose(RawTensor t) throws WeightFormatException {
		if (t.shape().length != 2) throw new WeightFormatException(t.name() + " should be a matrix");
		int r = (int) t.shape()[0], c = (int) t.shape()[1], es = t.type().bytes;
		ByteBuffer src = t.data().duplicate().clear();
		byte[] dst = new byte[r * c * es];
		for (int i = 0; i < r; i++)
			for (int j = 0; j < c; j++)
				src.position((i * c + j) * es).get(dst, (j * r + i) * es, es);
		return new RawTensor(t.name(), t.type(), new long[] { c, r }, ByteBuffer.wrap(dst));
	}
}
