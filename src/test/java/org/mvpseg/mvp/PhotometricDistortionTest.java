package org.mvpseg.mvp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.mvpseg.image.ClipInput;

import java.util.Random;

class PhotometricDistortionTest {

	/** A 4×4 crop (stride 4) whose top-left 3×3 rectangle holds an image: grey left half, red right half. */
	private static float[] crop() {
		float[] p = new float[3 * 16];
		for (int c = 0; c < 3; c++)
			for (int y = 0; y < 4; y++)
				for (int x = 0; x < 4; x++) {
					float rgb = x < 2 ? 128 : c == 0 ? 200 : 40;
					p[c * 16 + y * 4 + x] = (rgb / 255 - ClipInput.MEAN[c]) / ClipInput.STD[c];
				}
		return p;
	}

	private static float rgb(float[] p, int c, int i) {
		return 255 * (p[c * 16 + i] * ClipInput.STD[c] + ClipInput.MEAN[c]);
	}

	@Test
	void changesColoursWithinRangeKeepsGreyGreyAndLeavesPaddingAlone() {
		int changed = 0;
		for (int seed = 0; seed < 20; seed++) {
			float[] p = crop();
			PhotometricDistortion.apply(p, 0, 4, 3, 3, new Random(seed));
			float[] before = crop();
			for (int c = 0; c < 3; c++) {
				for (int i = 0; i < 16; i++) {
					float v = rgb(p, c, i);
					assertTrue(v > -1e-3 && v < 255 + 1e-3, "0-255 after distortion: " + v);
					if (i % 4 == 3 || i >= 12) assertEquals(before[c * 16 + i], p[c * 16 + i], "outside the rectangle");
				}
			}
			// grey stays grey (saturation and hue have nothing to act on): R = G = B
			assertEquals(rgb(p, 0, 0), rgb(p, 1, 0), 0.01);
			assertEquals(rgb(p, 1, 0), rgb(p, 2, 0), 0.01);
			if (Math.abs(rgb(p, 0, 2) - 200) > 1 || Math.abs(rgb(p, 1, 2) - 40) > 1) changed++;
		}
		assertTrue(changed > 10, "most seeds change the red half: " + changed);
	}
}
