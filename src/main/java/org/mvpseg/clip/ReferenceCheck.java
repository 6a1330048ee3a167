package org.mvpseg.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Compares this implementation with reference outputs of OpenAI's code (the fixture format of
 * {@code expected.json}: arrays as {@code {"shape", "data"}}). Returns the max absolute error per field.
 */
public final class ReferenceCheck {

	public static final String[] FIELDS = { "image_features", "text_features", "logits_per_image",
		"maskclip_dense_features", "maskclip_dense_logits_cosine", "prompt_text_features" };

	private final JsonObject expected;
	private final Map<String, String> shapeMismatches = new LinkedHashMap<>();

	/** Fields whose shapes differ (their error is infinite): field → "ours [..] vs reference [..]". */
	public Map<String, String> shapeMismatches() {
		return shapeMismatches;
	}

	public ReferenceCheck(Path expectedJson) throws IOException {
		try {
			expected = JsonParser.parseString(Files.readString(expectedJson)).getAsJsonObject();
		}
		catch (RuntimeException e) {
			throw new IOException(expectedJson + " is not a reference file in the fixture format (JSON object "
				+ "with {shape, data} arrays): " + e.getMessage());
		}
	}

	/** The class names' tokens as the reference gives them, or (prompt_class_names) as the model's tokenizer makes them. */
	private int[][] classTokens(ClipModel model) {
		boolean ids = has("prompt_class_token_ids");
		JsonArray cls = expected.getAsJsonArray(ids ? "prompt_class_token_ids" : "prompt_class_names");
		int[][] tokens = new int[cls.size()][];
		for (int i = 0; i < tokens.length; i++) {
			if (!ids) {
				tokens[i] = model.nameTokens(cls.get(i).getAsString());
				continue;
			}
			JsonArray t = cls.get(i).getAsJsonArray();
			tokens[i] = new int[t.size()];
			for (int j = 0; j < tokens[i].length; j++) tokens[i][j] = t.get(j).getAsInt();
		}
		return tokens;
	}

	/** Field → max |ours − reference|, for the fields present in the reference file. */
	public Map<String, Double> run(ClipModel model, NDManager parent) {
		Map<String, Double> err = new LinkedHashMap<>();
		try (NDManager m = parent.newSubManager()) {
			NDArray textIds = has("text_ids") ? longArray(m, "text_ids") : null;
			NDArray text = null;
			if (textIds != null) {
				text = model.encodeText(textIds);
				compare(err, "text_features", text);
			}
			if (has("image_native")) {
				NDArray img = model.encodeImage(array(m, "image_native"));
				compare(err, "image_features", img);
				if (text != null) {
					NDArray logits = normalize(img).matMul(normalize(text).transpose()).mul(model.logitScale());
					compare(err, "logits_per_image", logits);
				}
			}
			String denseInput = has("image_dense_input") ? "image_dense_input" : "image_native";
			if (has("maskclip_dense_features") && has(denseInput)) {
				NDArray dense = model.denseFeatures(array(m, denseInput));
				compare(err, "maskclip_dense_features", dense);
				if (text != null) compare(err, "maskclip_dense_logits_cosine", normalize(dense).matMul(normalize(text)
					.transpose()));
			}
			if (has("prompt_context") && (has("prompt_class_token_ids") || has("prompt_class_names"))) {
				int[][] tokens = classTokens(model);
				compare(err, "prompt_text_features", model.encodePrompts(array(m, "prompt_context").toType(model
					.dataType(), false), tokens));
			}
		}
		return err;
	}

	private static NDArray normalize(NDArray x) {
		return x.div(x.norm(new int[] { -1 }, true));
	}

	private boolean has(String field) {
		return expected.has(field);
	}

	private void compare(Map<String, Double> err, String field, NDArray ours) {
		if (!has(field)) return;
		JsonObject ref = expected.getAsJsonObject(field);
		long[] shape = shape(ref);
		if (!ours.getShape().equals(new Shape(shape))) {
			err.put(field, Double.POSITIVE_INFINITY);
			shapeMismatches.put(field, "shape " + ours.getShape() + " here, " + new Shape(shape) + " in the reference");
			return;
		}
		double[] a = ours.toType(ai.djl.ndarray.types.DataType.FLOAT64, false).toDoubleArray();
		JsonArray data = ref.getAsJsonArray("data");
		double max = 0;
		for (int i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - data.get(i).getAsDouble()));
		err.put(field, max);
	}

	private NDArray array(NDManager m, String field) {
		JsonObject o = expected.getAsJsonObject(field);
		JsonArray data = o.getAsJsonArray("data");
		float[] v = new float[data.size()];
		int i = 0;
		for (JsonElement e : data) v[i++] = e.getAsFloat();
		return m.create(v, new Shape(shape(o)));
	}

	private NDArray longArray(NDManager m, String field) {
		JsonElement e = expected.get(field);
		JsonArray rows;
		long[] shape;
		if (e.isJsonObject()) {
			rows = e.getAsJsonObject().getAsJsonArray("data");
			shape = shape(e.getAsJsonObject());
		}
		else {
			JsonArray nested = e.getAsJsonArray();
			rows = new JsonArray();
			for (JsonElement r : nested) rows.addAll(r.getAsJsonArray());
			shape = new long[] { nested.size(), nested.get(0).getAsJsonArray().size() };
		}
		long[] v = new long[rows.size()];
		for (int i = 0; i < v.length; i++) v[i] = rows.get(i).getAsLong();
		return m.create(v, new Shape(shape));
	}

	private static long[] shape(JsonObject o) {
		JsonArray s = o.getAsJsonArray("shape");
		long[] shape = new long[s.size()];
		for (int i = 0; i < shape.length; i++) shape[i] = s.get(i).getAsLong();
		return shape;
	}
}
