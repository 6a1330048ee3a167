package org.mvpseg.objects;

import org.mvpseg.runtime.RequestException;

/** Which neighbours join two pixels of a class into one object: 8 (as ImageJ's Analyze Particles) or 4. */
public enum Connectivity {
	FOUR, EIGHT;

	/** "4" or "8"; blank means 8. */
	public static Connectivity parse(String text) {
		String t = text == null ? "" : text.strip();
		return switch (t) {
			case "", "8" -> EIGHT;
			case "4" -> FOUR;
			default -> throw new RequestException("Connectivity must be 4 (pixels touching by a side) or 8 (by a side or "
				+ "a corner, as ImageJ's Analyze Particles); got '" + t + "'.");
		};
	}

	public int number() {
		return this == FOUR ? 4 : 8;
	}
}
