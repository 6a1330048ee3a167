package org.mvpseg.clip;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.mvpseg.clip.io.WeightFormatException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the configuration files beside a checkpoint say that its tensors cannot: open_clip's
 * {@code open_clip_config.json} ({@code model_cfg}) and Hugging Face's {@code config.json} (CLIPModel's
 * {@code text_config} / {@code vision_config}). Only the keys the towers need are read.
 */
final class BesideFiles {

	static final String OPEN_CLIP = "open_clip_config.json", HUGGING_FACE = "config.json";

	private BesideFiles() {}

	/**
	 * Whether the MLPs use QuickGELU: open_clip's {@code model_cfg.quick_gelu} (absent: false, open_clip's default
	 * nn.GELU), else Hugging Face's {@code hidden_act} of both towers (absent: "quick_gelu", CLIPConfig's default),
	 * else true (OpenAI's archives).
	 */
	static boolean quickGelu(Path weights) throws WeightFormatException {
		JsonObject open = json(weights, OPEN_CLIP);
		if (open != null) return bool(at(open, "model_cfg", "quick_gelu"), false);
		JsonObject hf = json(weights, HUGGING_FACE);
		if (hf == null || !hf.has("text_config") && !hf.has("vision_config")) return true;
		String text = string(at(hf, "text_config", "hidden_act"), "quick_gelu");
		String vision = string(at(hf, "vision_config", "hidden_act"), "quick_gelu");
		for (String act : new String[] { text, vision })
			if (!act.equals("quick_gelu") && !act.equals("gelu")) throw new WeightFormatException(HUGGING_FACE
				+ " asks for hidden_act '" + act + "'; CLIP towers here use quick_gelu or gelu.");
		if (!text.equals(vision)) throw new WeightFormatException(HUGGING_FACE + " gives the text tower " + text
			+ " and the image tower " + vision + "; one activation for both is supported.");
		return text.equals("quick_gelu");
	}

	/** open_clip's {@code model_cfg.text_cfg.context_length}, or {@code otherwise}. */
	static int openClipContext(Path weights, int otherwise) throws WeightFormatException {
		JsonObject open = json(weights, OPEN_CLIP);
		JsonElement c = open == null ? null : at(open, "model_cfg", "text_cfg", "context_length");
		return c == null ? otherwise : c.getAsInt();
	}

	/** The JSON object in {@code name} beside {@code weights}, or null when there is no such file. */
	private static JsonObject json(Path weights, String name) throws WeightFormatException {
		Path f = weights.resolveSibling(name);
		if (!Files.isRegularFile(f)) return null;
		try {
			return JsonParser.parseString(Files.readString(f)).getAsJsonObject();
		}
		catch (IOException | RuntimeException e) {
			throw new WeightFormatException(name + " beside the weights cannot be read: " + e.getMessage(), e);
		}
	}

	private static JsonElement at(JsonObject o, String... path) {
		JsonElement e = o;
		for (String key : path) {
			if (e == null || !e.isJsonObject() || !e.getAsJsonObject().has(key)) return null;
			e = e.getAsJsonObject().get(key);
		}
		return e == null || e.isJsonNull() ? null : e;
	}

	private static boolean bool(JsonElement e, boolean otherwise) {
		return e == null ? otherwise : e.getAsBoolean();
	}

	private static String string(JsonElement e, String otherwise) {
		return e == null ? otherwise : e.getAsString();
	}
}
