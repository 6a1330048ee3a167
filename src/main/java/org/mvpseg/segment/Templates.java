package org.mvpseg.segment;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import org.mvpseg.runtime.RequestException;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Prompt templates ("a photo of a {}."). The default set is MaskCLIP's 85 (80 of OpenAI's ImageNet
 * templates plus 5 scene templates; Apache-2.0, see THIRD-PARTY.md).
 */
public final class Templates {

	private static volatile List<String> ensemble;

	private Templates() {}

	/** The 85-template ensemble. */
	public static List<String> ensemble() {
		List<String> t = ensemble;
		if (t != null) return t;
		try (InputStream in = Templates.class.getResourceAsStream("templates.json")) {
			if (in == null) throw new IllegalStateException("templates.json is missing from the jar");
			JsonObject o = JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8)).getAsJsonObject();
			List<String> out = new ArrayList<>();
			for (JsonElement e : o.getAsJsonArray("templates")) out.add(e.getAsString());
			ensemble = t = List.copyOf(out);
			return t;
		}
		catch (IOException e) {
			throw new IllegalStateException(e);
		}
	}

	/** One custom template; it must contain "{}" where the class name goes. */
	public static List<String> single(String template) {
		if (template == null || !template.contains("{}")) throw new RequestException("A template must contain "
			+ "{} where the class name goes, e.g. \"a microscopy image of {}.\"; got " + template);
		return List.of(template);
	}

	/** Class names from a comma-separated list: trimmed, non-empty, no duplicates, at least two. */
	public static List<String> parseClassNames(String text) {
		return atLeastTwo(parseNames(text));
	}

	/**
	 * Names from a comma-separated list (the one parser of class lists: classes, seen, unseen, a label image's
	 * names): trimmed, non-empty, no duplicates, each readable by CLIP; one name is enough.
	 */
	public static List<String> parseNames(String text) {
		if (text == null || text.isBlank()) throw new RequestException("No class names given: type the "
			+ "structures to find, separated by commas, e.g. \"nucleus, cytoplasm, background\".");
		List<String> names = new ArrayList<>();
		for (String s : text.split(",")) names.add(s.strip());
		return checkNames(names, text);
	}

	/** The rules of {@link #parseClassNames} for names given as a list (evaluation joins seen and unseen). */
	public static List<String> checkClassNames(List<String> names) {
		return atLeastTwo(checkNames(names, String.join(",", names)));
	}

	private static List<String> checkNames(List<String> names, String text) {
		List<String> out = new ArrayList<>();
		for (String name : names) {
			if (name.isEmpty()) throw new RequestException("Empty class name in \"" + text
				+ "\": remove the extra comma.");
			for (String o : out) if (o.equalsIgnoreCase(name)) throw new RequestException("Class \"" + name
				+ "\" is given twice.");
			if (org.mvpseg.clip.ClipTokenizer.get().encode(name).length == 0) throw new RequestException(
				"Class name \"" + name + "\" has no letters or digits CLIP can read.");
			out.add(name);
		}
		if (out.size() > 65535) throw new RequestException("At most 65535 classes are supported.");
		return out;
	}

	private static List<String> atLeastTwo(List<String> names) {
		if (names.size() < 2) throw new RequestException("Give at least two classes (e.g. add \"background\"): "
			+ "each pixel is assigned the most likely of the given names.");
		return names;
	}
}
