package org.mvpseg.pipeline;

import org.mvpseg.runtime.RequestException;

/** The channel choice as users type it: "2" or "2,1,3", counted from 1. */
public final class Channels {

	private Channels() {}

	/** → 0-based source channels. */
	public static int[] parse(String text) {
		String[] parts = text.split(",");
		int[] c = new int[parts.length];
		for (int i = 0; i < parts.length; i++) {
			try {
				c[i] = Integer.parseInt(parts[i].strip()) - 1;
			}
			catch (NumberFormatException e) {
				throw new RequestException("Channels are whole numbers counted from 1, like \"1\" or \"2,1,3\"; got \""
					+ text + "\".");
			}
			if (c[i] < 0) throw new RequestException("Channels are counted from 1; got \"" + text + "\".");
		}
		return c;
	}
}
