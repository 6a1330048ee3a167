package org.mvpseg.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

/**
 * Statistics measured part by part and merged give the whole image's scaling: the percentiles a huge image's tiles
 * share on Spark's executors.
 */
class IntensityStatsTest {

	private static final List<Rect> PARTS = List.of(new Rect(0, 0, 70, 33), new Rect(70, 0, 53, 33), new Rect(0, 33,
		123, 1), new Rect(0, 34, 123, 57));

	/** What the tiles give: ranges merged, then histograms over the merged range merged. */
	private static ClipInput.Scaling byParts(ImageSource src, int[] map) {
		IntensityStats range = null;
		for (Rect r : PARTS) range = range == null ? IntensityStats.range(src, map, r) : range.merge(IntensityStats.range(
			src, map, r));
		IntensityStats hist = null;
		for (Rect r : PARTS) hist = hist == null ? range.histograms(src, r) : hist.merge(range.histograms(src, r));
		return hist.scaling(0.5, 99.5, (long) src.width() * src.height());
	}

	@Test
	void floatImageWithNonFiniteValuesScalesAsAWhole() {
		Random rnd = new Random(1);
		float[] a = new float[123 * 91], b = new float[123 * 91];
		for (int i = 0; i < a.length; i++) {
			a[i] = (float) (rnd.nextGaussian() * 50 + 1000);
			b[i] = rnd.nextFloat() * 1e6f - 3e5f;
		}
		a[5] = Float.NaN;
		a[123 * 40 + 7] = Float.POSITIVE_INFINITY;
		a[123 * 90] = -7777; // the minimum lies in the last part only
		ImageSource src = ArrayImage.ofFloats(123, 91, ImageSource.Calibration.NONE, a, b);
		int[] map = ClipInput.channelMap(src, new int[] { 0, 1, 1 });
		ClipInput whole = ClipInput.of(src, new int[] { 0, 1, 1 }, 0.5, 99.5);
		ClipInput.Scaling parts = byParts(src, map);
		assertEquals(2, parts.nonFinite());
		ClipInput tiled = ClipInput.of(src, new int[] { 0, 1, 1 }, parts);
		assertEquals(whole.scalingDescription(), tiled.scalingDescription());
		float[] x = new float[3 * 123 * 91], y = new float[3 * 123 * 91];
		whole.window(0, 0, 123, 91, 123, 91, x, 0);
		tiled.window(0, 0, 123, 91, 123, 91, y, 0);
		assertArrayEquals(x, y);
	}

	@Test
	void sixteenBitHistogramsAddUp() {
		Random rnd = new Random(2);
		short[] s = new short[123 * 91];
		for (int i = 0; i < s.length; i++) s[i] = (short) (rnd.nextInt(4000) + (i > 123 * 60 ? 30000 : 0));
		ImageSource src = ArrayImage.ofShorts(123, 91, ImageSource.Calibration.NONE, s);
		ClipInput whole = ClipInput.of(src, null, 0.5, 99.5);
		ClipInput tiled = ClipInput.of(src, null, byParts(src, ClipInput.channelMap(src, null)));
		assertEquals(whole.scalingDescription(), tiled.scalingDescription());
		assertTrue(whole.scalingDescription().contains("channel 1 ["), whole.scalingDescription());
	}

	@Test
	void aChannelWithoutFiniteValuesIsRefusedEvenWhenEveryPartSaysNothing() {
		float[] nan = new float[123 * 91];
		java.util.Arrays.fill(nan, Float.NaN);
		ImageSource src = ArrayImage.ofFloats(123, 91, ImageSource.Calibration.NONE, nan);
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> byParts(src, ClipInput
			.channelMap(src, null)));
		assertTrue(e.getMessage().contains("no finite pixel"), e.getMessage());
	}
}
