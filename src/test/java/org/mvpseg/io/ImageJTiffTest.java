package org.mvpseg.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvpseg.image.ImageSource.Calibration;

import java.nio.file.Files;
import java.nio.file.Path;

/** Files written by {@link ImageJTiff} opened by the real ImageJ 1.x reader. */
class ImageJTiffTest {

	@TempDir
	Path tmp;

	@Test
	void floatStackWithLabelsAndCalibration() throws Exception {
		Path f = tmp.resolve("p.tif");
		int w = 7, h = 5, pages = 3;
		try (ImageJTiff t = new ImageJTiff(f, w, h, pages, ImageJTiff.Type.F32)) {
			t.description("channels=3\nhyperstack=true\nmode=grayscale\n").calibration(new Calibration(0.25, 0.5,
				"micron")).sliceLabels("cat", "grass", "sky").info("made by a test");
			// rows arrive out of order and in bands
			for (int p = pages - 1; p >= 0; p--) {
				float[] band = new float[2 * w];
				for (int y0 : new int[] { 3, 0, 2 }) {
					int rows = y0 == 3 ? 2 : y0 == 0 ? 2 : 1;
					for (int i = 0; i < rows * w; i++) band[i] = p * 100 + (y0 + i / w) * 10 + i % w;
					t.writeFloats(p, y0, rows, band, 0);
				}
			}
			assertFalse(Files.exists(f), "the final name appears only when complete");
			t.finish();
		}
		ImagePlus imp = IJ.openImage(f.toString());
		assertNotNull(imp);
		assertEquals(w, imp.getWidth());
		assertEquals(h, imp.getHeight());
		assertEquals(3, imp.getNChannels());
		assertEquals(ImagePlus.GRAY32, imp.getType());
		assertEquals(0.25, imp.getCalibration().pixelWidth, 1e-6);
		assertEquals(0.5, imp.getCalibration().pixelHeight, 1e-6);
		assertEquals("micron", imp.getCalibration().getUnit());
		assertEquals("grass", imp.getStack().getSliceLabel(2));
		assertEquals("made by a test", imp.getInfoProperty());
		for (int p = 0; p < pages; p++)
			for (int y = 0; y < h; y++)
				for (int x = 0; x < w; x++)
					assertEquals(p * 100 + y * 10 + x, imp.getStack().getProcessor(p + 1).getf(x, y), 0f);
		assertEquals(1, Files.list(tmp).count(), "no temporary file left");
	}

	/**
	 * Beyond 4 GiB the same layout is written as a BigTIFF (64-bit offsets, strips of about 8 MB): read back by
	 * rectangles with its calibration. Asked for here on a small image; a real one would fill the disk.
	 */
	@Test
	void bigTiffKeepsPixelsAndCalibration() throws Exception {
		Path f = tmp.resolve("big.tif");
		int w = 3000, h = 800;
		float[] v = new float[w * h];
		for (int i = 0; i < v.length; i++) v[i] = (i % 7919) * 0.25f;
		try (ImageJTiff t = new ImageJTiff(f, w, h, 1, ImageJTiff.Type.F32, true)) {
			t.calibration(new Calibration(0.5, 0.25, "micron")).info("provenance").property("classes", "a,b");
			t.writeFloats(0, 0, h, v, 0);
			t.finish();
		}
		byte[] head = new byte[16];
		try (var in = Files.newInputStream(f)) {
			assertEquals(16, in.read(head));
		}
		assertEquals(43, head[3], "BigTIFF's version number");
		try (TiffSource s = TiffSource.open(f)) {
			assertNotNull(s, "read by rectangles");
			assertEquals(w, s.width());
			assertEquals(new Calibration(0.5, 0.25, "micron"), s.calibration());
			float[] got = new float[w * h];
			s.read(0, 0, 0, w, h, got);
			org.junit.jupiter.api.Assertions.assertArrayEquals(v, got);
			float[] part = new float[10 * 3];
			s.read(0, 2990, 697, 10, 3, part); // across the strips' boundary (699 rows per strip)
			for (int r = 0; r < 3; r++) for (int i = 0; i < 10; i++) assertEquals(v[(697 + r) * w + 2990 + i], part[r * 10 + i]);
		}
	}

	@Test
	void labelImageWithLutAndProperties() throws Exception {
		Path f = tmp.resolve("l.tif");
		byte[] r = new byte[256], g = new byte[256], b = new byte[256];
		r[1] = (byte) 255;
		g[2] = (byte) 200;
		try (ImageJTiff t = new ImageJTiff(f, 4, 3, 1, ImageJTiff.Type.U8)) {
			t.lut(r, g, b).property("class.1", "nucleus").property("classes", "background,nucleus,membrane")
				.info("0=background 1=nucleus 2=membrane");
			t.writeInts(0, 0, 3, new int[] { 0, 1, 2, 1, 1, 1, 0, 0, 2, 2, 2, 2 }, 0);
			t.finish();
		}
		ImagePlus imp = IJ.openImage(f.toString());
		assertEquals(ImagePlus.GRAY8, imp.getType());
		assertEquals(2, imp.getProcessor().get(2, 0));
		assertEquals("nucleus", imp.getProp("class.1"));
		assertEquals("background,nucleus,membrane", imp.getProp("classes"));
		assertTrue(imp.getInfoProperty().contains("1=nucleus"));
		assertEquals(0xff0000, imp.getProcessor().getColorModel().getRGB(1) & 0xffffff);
		assertEquals(200 << 8, imp.getProcessor().getColorModel().getRGB(2) & 0xffffff);
	}

	@Test
	void sixteenBitAndAbandonedWritesLeaveNothing() throws Exception {
		Path f = tmp.resolve("l16.tif");
		try (ImageJTiff t = new ImageJTiff(f, 2, 2, 1, ImageJTiff.Type.U16)) {
			t.writeInts(0, 0, 2, new int[] { 0, 300, 65535, 7 }, 0);
			t.finish();
		}
		ImagePlus imp = IJ.openImage(f.toString());
		assertEquals(ImagePlus.GRAY16, imp.getType());
		assertEquals(300, imp.getProcessor().get(1, 0));
		assertEquals(65535, imp.getProcessor().get(0, 1));
		Path g = tmp.resolve("abandoned.tif");
		try (ImageJTiff t = new ImageJTiff(g, 2, 2, 1, ImageJTiff.Type.U8)) {
			t.writeInts(0, 0, 1, new int[] { 1, 2 }, 0);
		}
		assertFalse(Files.exists(g));
		assertEquals(1, Files.list(tmp).count());
	}

	/** Object ids beyond 65 535: 32-bit unsigned integers, which ImageJ opens as exact 32-bit values. */
	@Test
	void unsigned32BitIdsOpenInImageJ() throws Exception {
		Path f = tmp.resolve("ids.tif");
		int[] v = { 0, 1, 65_535, 65_536, 70_000, 16_000_000 };
		try (ImageJTiff t = new ImageJTiff(f, 3, 2, 1, ImageJTiff.Type.U32)) {
			t.writeInts(0, 0, 2, v, 0);
			t.finish();
		}
		ij.ImagePlus imp = ij.IJ.openImage(f.toString());
		assertEquals(ij.ImagePlus.GRAY32, imp.getType());
		for (int i = 0; i < v.length; i++) assertEquals(v[i], imp.getProcessor().getf(i), 0, "pixel " + i);
	}
}
