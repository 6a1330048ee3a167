package org.mvpseg.objects;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvpseg.image.ImageSource.Calibration;
import org.mvpseg.runtime.RequestException;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/** The streaming labeller against an obviously correct flood fill of the whole label image. */
class ObjectLabellerTest {

	@TempDir
	Path tmp;

	/** Streams {@code labels} through the labeller in bands of {@code band} rows; the ids it writes. */
	int[] stream(int[] labels, int w, int h, boolean[] split, Connectivity c, int band, int minSize,
		ObjectTable[] table) throws Exception
	{
		int[] out = new int[w * h];
		try (ObjectLabeller l = new ObjectLabeller(w, split, c, tmp.resolve("scratch-" + band))) {
			for (int y = 0; y < h; y += band) {
				int n = Math.min(band, h - y);
				l.rows(n, java.util.Arrays.copyOfRange(labels, y * w, (y + n) * w), own(labels, y * w, (y + n) * w));
			}
			table[0] = l.finish(minSize);
			l.relabel(3, (y0, rows, ids) -> System.arraycopy(ids, 0, out, y0 * w, rows * w));
		}
		return out;
	}

	/** A made-up probability per pixel: its label's value / 10, so a mean probability is checkable. */
	static float[] own(int[] labels, int from, int to) {
		float[] p = new float[to - from];
		for (int i = 0; i < p.length; i++) p[i] = labels[from + i] / 10f + (from + i) % 7 / 100f;
		return p;
	}

	static int[] parse(String... rows) {
		int[] l = new int[rows.length * rows[0].length()];
		for (int y = 0; y < rows.length; y++) for (int x = 0; x < rows[0].length(); x++) l[y * rows[0].length() + x] =
			rows[y].charAt(x) - '0';
		return l;
	}

	private void sameAsFloodFill(int[] labels, int w, int h, boolean[] split) throws Exception {
		for (Connectivity c : Connectivity.values()) {
			int[] expected = ReferenceLabelling.floodFill(labels, w, h, split, c == Connectivity.EIGHT);
			for (int band : new int[] { 1, 2, 5, h }) {
				ObjectTable[] t = new ObjectTable[1];
				assertArrayEquals(expected, stream(labels, w, h, split, c, band, 0, t), c + ", bands of " + band);
				checkTable(t[0], expected, labels, w);
			}
		}
	}

	/** Every object's class, pixels, bbox, centroid and mean probability, recomputed from the reference ids. */
	private static void checkTable(ObjectTable t, int[] ids, int[] labels, int w) {
		int n = java.util.Arrays.stream(ids).max().orElse(0);
		assertEquals(n, t.size());
		float[] p = own(labels, 0, labels.length);
		for (int o = 1; o <= n; o++) {
			long count = 0, sx = 0, sy = 0;
			double sp = 0;
			int x0 = Integer.MAX_VALUE, y0 = Integer.MAX_VALUE, x1 = -1, y1 = -1, cls = -1;
			for (int i = 0; i < ids.length; i++) {
				if (ids[i] != o) continue;
				int x = i % w, y = i / w;
				count++;
				sx += x;
				sy += y;
				sp += p[i];
				cls = labels[i];
				x0 = Math.min(x0, x);
				y0 = Math.min(y0, y);
				x1 = Math.max(x1, x);
				y1 = Math.max(y1, y);
			}
			assertEquals(cls, t.label(o - 1));
			assertEquals(count, t.pixels(o - 1));
			assertArrayEquals(new int[] { x0, y0, x1 - x0 + 1, y1 - y0 + 1 }, t.bbox(o - 1));
			assertEquals(sx / (double) count + 0.5, t.centroidX(o - 1), 1e-9);
			assertEquals(sy / (double) count + 0.5, t.centroidY(o - 1), 1e-9);
			assertEquals(sp / count, t.meanProbability(o - 1), 1e-5);
		}
	}

	@Test
	void touchingObjectsOfDifferentClassesBorderPixelsOnePixelObjectsAndDiagonalChains() throws Exception {
		int[] l = parse(
			"1100220003",
			"1102220030",
			"0000000300",
			"3030003000",
			"0303000001",
			"1111100001");
		sameAsFloodFill(l, 10, 6, new boolean[] { false, true, true, true });
		int[] eight = ReferenceLabelling.floodFill(l, 10, 6, new boolean[] { false, true, true, true }, true);
		int[] four = ReferenceLabelling.floodFill(l, 10, 6, new boolean[] { false, true, true, true }, false);
		assertEquals(6, java.util.Arrays.stream(eight).max().orElse(0), "the reference itself: 1s, 2s, the diagonal "
			+ "chain of 3s from the corner, the zig-zag of 3s, the right border's 1s, the bottom row of 1s");
		assertEquals(12, java.util.Arrays.stream(four).max().orElse(0), "4-connectivity: each diagonal 3 alone");
	}

	@Test
	void uShapesMergeLateAndKeepTheRasterOrderOfTheirFirstPixel() throws Exception {
		int[] l = parse(
			"2010101",
			"1010101",
			"1010101",
			"1111111",
			"0000002",
			"2222222");
		sameAsFloodFill(l, 7, 6, new boolean[] { true, true, true });
	}

	@Test
	void randomLabelImagesOfTwoToFiveClasses() throws Exception {
		Random r = new Random(27);
		for (int k = 0; k < 40; k++) {
			int w = 1 + r.nextInt(40), h = 1 + r.nextInt(30), classes = 2 + r.nextInt(4);
			int[] l = new int[w * h];
			for (int i = 0; i < l.length; i++) l[i] = r.nextInt(10) < 6 && i > 0 ? l[i - 1] : r.nextInt(classes);
			boolean[] split = new boolean[classes];
			for (int c = 0; c < classes; c++) split[c] = r.nextBoolean();
			sameAsFloodFill(l, w, h, split);
		}
	}

	@Test
	void smallObjectsAreDroppedCountedAndTheRestRenumbered() throws Exception {
		int[] l = parse(
			"1001110",
			"0001110",
			"1000001",
			"0110000");
		ObjectTable[] t = new ObjectTable[1];
		int[] ids = stream(l, 7, 4, new boolean[] { false, true }, Connectivity.FOUR, 2, 2, t);
		assertArrayEquals(parse(
			"0001110",
			"0001110",
			"0000000",
			"0220000"), ids);
		assertEquals(2, t[0].size());
		assertArrayEquals(new long[] { 0, 3 }, t[0].dropped());
		assertArrayEquals(new long[] { 0, 2 }, t[0].counts());
	}

	@Test
	void areasAndCentroidsAreCalibrated() throws Exception {
		int[] l = parse(
			"000",
			"011",
			"011");
		ObjectTable[] t = new ObjectTable[1];
		stream(l, 3, 3, new boolean[] { false, true }, Connectivity.EIGHT, 1, 0, t);
		Object[] row = t[0].row(0, List.of("bg", "cell"), new Calibration(0.5, 2, "µm"));
		assertEquals(List.of(1, "cell", 1, 4L, 4 * 0.5 * 2, 2.0 * 0.5, 2.0 * 2, 1, 1, 2, 2), List.of(row).subList(0, 11));
	}

	@Test
	void optionsParseTheSharedTextFormsAndRefuseWithWhatToDo() {
		ObjectOptions o = ObjectOptions.parse("nucleus, cell", "4", "20");
		assertEquals(List.of("nucleus", "cell"), o.classes());
		assertEquals(Connectivity.FOUR, o.connectivity());
		assertArrayEquals(new boolean[] { true, false, true }, o.chosen(List.of("cell", "bg", "nucleus")));
		assertEquals(null, ObjectOptions.parse("all", "", "").classes());
		assertTrue(assertThrows(RequestException.class, () -> o.chosen(List.of("a", "b"))).getMessage().contains(
			"'nucleus' is not one of the classes (a, b)"));
		assertTrue(assertThrows(RequestException.class, () -> ObjectOptions.parse("a", "6", "")).getMessage().contains(
			"Connectivity must be 4"));
		assertTrue(assertThrows(RequestException.class, () -> ObjectOptions.parse("a", "8", "-3")).getMessage()
			.contains("0 or more"));
		assertTrue(assertThrows(RequestException.class, () -> ObjectOptions.parse("a", "8", "ten")).getMessage()
			.contains("whole number"));
		assertTrue(assertThrows(RequestException.class, () -> ObjectOptions.parse(" , ", "8", "")).getMessage()
			.contains("name the classes"));
	}
}
