package org.mvpseg.features;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The features of the images segmented last, kept in memory beside the loaded model, so that segmenting the same
 * image again with other names, prompts or refinements skips CLIP's image tower without the user doing anything.
 * Bounded twice: at most {@code images} images (the least recently used is dropped) and at most {@code budget}
 * bytes in all (a larger image keeps the windows that fit). Front ends release an image's features when it closes;
 * the model service clears them with the model.
 */
public final class FeatureMemory {

	/** An image (or one plane of it) as a front end names it: {@code id} compared, {@code label} shown. */
	public record Image(String id, String label) {}

	private record Key(Image image, Map<String, String> identity) {}

	private final int images;
	private final long budget;
	private final LinkedHashMap<Key, MemoryFeatures> held = new LinkedHashMap<>(16, 0.75f, true); // access order

	public FeatureMemory(int images, long budget) {
		if (images < 1 || budget < 0) throw new IllegalArgumentException("images ≥ 1 and budget ≥ 0");
		this.images = images;
		this.budget = budget;
	}

	/** Two images, a quarter of the Java heap up to 2 GiB. */
	public static FeatureMemory standard() {
		return new FeatureMemory(2, Math.min(2L << 30, Runtime.getRuntime().maxMemory() / 4));
	}

	/**
	 * A store for one run over {@code image} with features of this identity: what an earlier run kept, or a new
	 * entry, which may drop the least recently used ones.
	 */
	public synchronized FeatureStore run(Image image, Map<String, String> identity) {
		Key k = new Key(image, Map.copyOf(identity));
		MemoryFeatures m = held.computeIfAbsent(k, x -> new MemoryFeatures()); // now the most recent
		List<Map.Entry<Key, MemoryFeatures>> oldestFirst = new ArrayList<>(held.entrySet());
		long others = 0;
		for (Map.Entry<Key, MemoryFeatures> e : oldestFirst) if (e.getValue() != m) others += e.getValue().bytes();
		int count = held.size();
		for (Map.Entry<Key, MemoryFeatures> e : oldestFirst) {
			if (e.getValue() == m || count <= images && others <= budget - m.bytes()) continue;
			held.remove(e.getKey());
			others -= e.getValue().bytes();
			count--;
		}
		m.limit(budget - others);
		return m.run();
	}

	/** Forgets the features of every image {@code which} accepts (e.g. the planes of a closed image). */
	public synchronized void release(Predicate<Image> which) {
		held.keySet().removeIf(k -> which.test(k.image()));
	}

	/** Forgets everything (the model was unloaded). */
	public synchronized void clear() {
		held.clear();
	}

	/** Bytes held in all. */
	public synchronized long bytes() {
		long b = 0;
		for (MemoryFeatures m : held.values()) b += m.bytes();
		return b;
	}

	/** One line per image held, most recent last: what, how many windows, how large, with which features. */
	public synchronized List<String> describe() {
		List<String> out = new ArrayList<>();
		for (Map.Entry<Key, MemoryFeatures> e : held.entrySet()) out.add(String.format(Locale.ROOT,
			"%s: %d windows, %.1f MB (%s, %s)", e.getKey().image().label(), e.getValue().windows(), e.getValue().bytes()
				/ 1e6, e.getKey().identity().getOrDefault("dense_mode", "?"), e.getKey().identity().getOrDefault(
					"last_block", "?")));
		return out;
	}
}
