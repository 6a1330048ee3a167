package org.mvpseg.objects;

import org.mvpseg.runtime.RequestException;

import java.util.ArrayList;
import java.util.List;

/**
 * Which classes are split into connected objects, and how: the same text forms on the command line ({@code --objects
 * "nucleus, mitochondrion"} or {@code all}, {@code --connectivity}, {@code --min-size}), in Fiji and in macros.
 *
 * @param classes the class names to split, or null for every class
 * @param minSize objects with fewer pixels are dropped (and counted as dropped); 0 keeps all
 */
public record ObjectOptions(List<String> classes, Connectivity connectivity, int minSize)
	implements java.io.Serializable
{

	public ObjectOptions {
		if (classes != null) {
			if (classes.isEmpty()) throw new RequestException("Objects: name the classes to split into objects, e.g. "
				+ "--objects \"nucleus, mitochondrion\", or --objects all for every class.");
			classes = List.copyOf(classes);
		}
		if (connectivity == null) connectivity = Connectivity.EIGHT;
		if (minSize < 0) throw new RequestException("The minimum object size is a number of pixels, 0 or more; got "
			+ minSize + ".");
	}

	/**
	 * From the text forms: {@code objects} "a, b" or "all"; {@code connectivity} "4"/"8" (blank: 8); {@code minSize}
	 * a whole number of pixels (blank: 0).
	 */
	public static ObjectOptions parse(String objects, String connectivity, String minSize) {
		String o = objects == null ? "" : objects.strip();
		List<String> names = new ArrayList<>();
		if (!o.equalsIgnoreCase("all")) for (String n : o.split(",")) if (!n.isBlank()) names.add(n.strip());
		return new ObjectOptions(o.equalsIgnoreCase("all") ? null : names, Connectivity.parse(connectivity), size(
			minSize));
	}

	private static int size(String text) {
		String t = text == null ? "" : text.strip();
		if (t.isEmpty()) return 0;
		try {
			return Integer.parseInt(t);
		}
		catch (NumberFormatException e) {
			throw new RequestException("The minimum object size is a whole number of pixels (e.g. 20), 0 or more; got '"
				+ t + "'.");
		}
	}

	/** Which of the run's classes (by label value) are split; an unknown name is refused with the names there are. */
	public boolean[] chosen(List<String> classNames) {
		boolean[] split = new boolean[classNames.size()];
		if (classes == null) java.util.Arrays.fill(split, true);
		else for (String n : classes) {
			int c = classNames.indexOf(n);
			if (c < 0) throw new RequestException("Objects: '" + n + "' is not one of the classes (" + String.join(", ",
				classNames) + "); name classes of the run, or give all.");
			split[c] = true;
		}
		return split;
	}

	/** For provenance: "nucleus, mitochondrion (8-connected, at least 20 pixels)". */
	public String describe() {
		return (classes == null ? "all classes" : String.join(", ", classes)) + " (" + connectivity.number()
			+ "-connected" + (minSize > 0 ? ", at least " + minSize + " pixels" : "") + ")";
	}

	/** "nucleus 12, cell 0 (2 smaller than 20 pixels dropped)": the objects kept of every split class, none left out. */
	public String describeCounts(List<String> classNames, long[] kept, long[] dropped) {
		boolean[] split = chosen(classNames);
		StringBuilder sb = new StringBuilder();
		long gone = 0;
		for (int c = 0; c < classNames.size(); c++) {
			if (!split[c]) continue;
			sb.append(sb.length() == 0 ? "" : ", ").append(classNames.get(c)).append(' ').append(kept[c]);
			gone += dropped[c];
		}
		return sb + (gone > 0 ? " (" + gone + " smaller than " + minSize + " pixels dropped)" : "");
	}
}
