package org.mvpseg.io;

import java.awt.Color;

/**
 * A distinct colour per class (golden-ratio hues, alternating saturation and brightness). Label 0
 * is the first class name, not "background", so it gets a colour like every other.
 */
public final class LabelColors {

	private LabelColors() {}

	/** r, g, b tables of 256 entries for an 8-bit label image. */
	public static byte[][] lut(int classes) {
		byte[][] t = new byte[3][256];
		for (int i = 0; i < 256; i++) {
			int rgb = color(i);
			t[0][i] = (byte) (rgb >> 16);
			t[1][i] = (byte) (rgb >> 8);
			t[2][i] = (byte) rgb;
		}
		return t;
	}

	/** 0xRRGGBB for label {@code i}. */
	public static int color(int i) {
		float hue = (float) ((i * 0.618033988749895) % 1.0);
		float sat = i % 3 == 0 ? 0.55f : 0.85f;
		float bri = i % 2 == 0 ? 0.75f : 1f;
		return Color.HSBtoRGB(hue, sat, bri) & 0xffffff;
	}
}
