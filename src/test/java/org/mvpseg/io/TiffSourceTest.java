package org.mvpseg.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.io.FileSaver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvpseg.image.ImageSource;
import org.mvpseg.imagej.ImagePlusSource;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.Deflater;

/** Reading TIFFs by rectangles gives exactly what ImageJ reads, for ImageJ's files and for tiled, compressed BigTIFFs. */
class TiffSourceTest {

	@TempDir
	Path tmp;

	static float[] rect(ImageSource s, int c, int x, int y, int w, int h) {
		float[] out = new float[w * h];
		s.read(c, x, y, w, h, out);
		return out;
	}

	/** Every channel, the whole image and an odd rectangle, against ImageJ's reader. */
	static void sameAsImageJ(Path file) throws Exception {
		ImagePlus imp = IJ.openImage(file.toString());
		ImageSource ij = new ImagePlusSource(imp, 1, 1);
		try (TiffSource t = TiffSource.open(file)) {
			assertNotNull(t, file + " is read by rectangles");
			assertEquals(ij.kind(), t.kind());
			assertEquals(ij.channels(), t.channels());
			assertEquals(ij.calibration(), t.calibration());
			assertTrue(t.calibrationAsImageJ(), "ImageJ's own file");
			for (int c = 0; c < t.channels(); c++) {
				assertArrayEquals(rect(ij, c, 0, 0, ij.width(), ij.height()), rect(t, c, 0, 0, t.width(), t.height()));
				assertArrayEquals(rect(ij, c, 13, 7, 101, 59), rect(t, c, 13, 7, 101, 59));
			}
		}
	}

	@Test
	void imageJsOwnTiffsReadTheSame() throws Exception {
		ImagePlus cell = IJ.openImage(Path.of("examples", "cell.png").toString());
		cell.getCalibration().pixelWidth = cell.getCalibration().pixelHeight = 0.107;
		cell.getCalibration().setUnit("micron");
		ImagePlus chelsea = IJ.openImage(Path.of("examples", "chelsea.png").toString());
		ImagePlus[] images = { cell, chelsea, new ImagePlus("u16", cell.getProcessor().convertToShort(false)),
			new ImagePlus("f32", cell.getProcessor().convertToFloat()) };
		images[2].getProcessor().multiply(200); // beyond 8 bits
		for (ImagePlus imp : images) {
			Path f = tmp.resolve(imp.getTitle().replace('.', '_') + ".tif");
			assertTrue(new FileSaver(imp).saveAsTiff(f.toString()));
			sameAsImageJ(f);
		}
	}

	/** ImageJ writes one strip per image; it is read in parts of about 4 MB, not whole. */
	@Test
	void aLargeSingleStripIsReadInParts() throws Exception {
		ij.process.ShortProcessor sp = new ij.process.ShortProcessor(1500, 1500);
		for (int i = 0; i < 1500 * 1500; i++) sp.set(i, (i * 31) % 65536);
		Path f = tmp.resolve("one-strip.tif");
		new FileSaver(new ImagePlus("one-strip", sp)).saveAsTiff(f.toString());
		try (TiffSource t = TiffSource.open(f)) {
			assertTrue(t.chunkRows() < 1500 && 1500 % t.chunkRows() == 0, "rows per part: " + t.chunkRows());
		}
		sameAsImageJ(f);
		assertEquals(1, TiffSource.parts(10, 100));
		assertEquals(7, TiffSource.parts(7, 1 << 22), "7 rows of 4 MB: one row per part");
	}

	/** LZW (as Java's own TIFF writer, libtiff and most microscopes write it), grey 16-bit and RGB. */
	@Test
	void lzwStripsReadAsWritten() throws Exception {
		int w = 173, h = 91;
		java.awt.image.BufferedImage grey = new java.awt.image.BufferedImage(w, h,
			java.awt.image.BufferedImage.TYPE_USHORT_GRAY);
		java.awt.image.BufferedImage rgb = new java.awt.image.BufferedImage(w, h,
			java.awt.image.BufferedImage.TYPE_INT_RGB);
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++) {
				grey.getRaster().setSample(x, y, 0, (x * 389 + y * 7) % 4000 + (x / 20) * 1000); // runs and noise
				rgb.setRGB(x, y, (x / 9 * 40 % 256) << 16 | (y * 3 % 256) << 8 | (x * y % 251));
			}
		for (java.awt.image.BufferedImage img : java.util.List.of(grey, rgb)) {
			Path f = tmp.resolve("lzw-" + img.getType() + ".tif");
			javax.imageio.ImageWriter writer = javax.imageio.ImageIO.getImageWritersByFormatName("tiff").next();
			javax.imageio.ImageWriteParam p = writer.getDefaultWriteParam();
			p.setCompressionMode(javax.imageio.ImageWriteParam.MODE_EXPLICIT);
			p.setCompressionType("LZW");
			try (var out = javax.imageio.ImageIO.createImageOutputStream(f.toFile())) {
				writer.setOutput(out);
				writer.write(null, new javax.imageio.IIOImage(img, null, null), p);
			}
			try (TiffSource t = TiffSource.open(f)) {
				assertNotNull(t, "LZW is read by rectangles");
				for (int c = 0; c < t.channels(); c++) {
					float[] got = rect(t, c, 0, 0, w, h);
					for (int i = 0; i < w * h; i++) assertEquals(img.getRaster().getSample(i % w, i / w, c), got[i], 0f,
						"channel " + c + " pixel " + i);
				}
			}
		}
	}

	@Test
	void stacksAndPalettesAreLeftToImageJ() throws Exception {
		ImageStack st = new ImageStack(20, 10);
		st.addSlice(new ij.process.ByteProcessor(20, 10));
		st.addSlice(new ij.process.ByteProcessor(20, 10));
		Path f = tmp.resolve("stack.tif");
		new FileSaver(new ImagePlus("stack", st)).saveAsTiffStack(f.toString());
		assertNull(TiffSource.open(f));
		// ImageJ shows an 8-bit image with a colour table as grey with a LUT or as colour, by a rule of its own
		ImagePlus cell = IJ.openImage(Path.of("examples", "cell.png").toString());
		cell.getProcessor().setColorModel(ij.process.LUT.createLutFromColor(new java.awt.Color(255, 128, 0)));
		new FileSaver(cell).saveAsTiff(tmp.resolve("palette.tif").toString());
		assertNull(TiffSource.open(tmp.resolve("palette.tif")));
		Files.writeString(tmp.resolve("text.tif"), "not a tiff at all");
		assertNull(TiffSource.open(tmp.resolve("text.tif")));
	}

	/** A little-endian BigTIFF of 16-bit tiles, Deflate with horizontal differencing (as libtiff writes them). */
	@Test
	void tiledDeflateBigTiffReadsByRectangles() throws Exception {
		int w = 300, h = 200, tile = 64;
		short[] px = new short[w * h];
		for (int i = 0; i < px.length; i++) px[i] = (short) ((i % w) * 97 + (i / w) * 131 + (i * 7919 % 17));
		Path f = tmp.resolve("tiled.tif");
		Files.write(f, bigTiff(w, h, tile, px));
		try (TiffSource t = TiffSource.open(f)) {
			assertNotNull(t);
			assertEquals(ImageSource.Kind.U16, t.kind());
			assertTrue(t.calibrationAsImageJ(), "no resolution tags: uncalibrated, as ImageJ");
			float[] all = rect(t, 0, 0, 0, w, h);
			for (int i = 0; i < px.length; i++) assertEquals(px[i] & 0xFFFF, all[i], "pixel " + i);
			float[] part = rect(t, 0, 60, 62, 70, 5); // crosses tile borders both ways
			for (int r = 0; r < 5; r++)
				for (int x = 0; x < 70; x++) assertEquals(px[(62 + r) * w + 60 + x] & 0xFFFF, part[r * 70 + x]);
		}
	}

	@Test
	void aTruncatedFileSaysSo() throws Exception {
		ImagePlus cell = IJ.openImage(Path.of("examples", "cell.png").toString());
		Path f = tmp.resolve("cut.tif");
		new FileSaver(cell).saveAsTiff(f.toString());
		byte[] all = Files.readAllBytes(f);
		Files.write(f, java.util.Arrays.copyOf(all, all.length / 2));
		// refused when opened, before any pixel is read (it was read as zeros up to the first missing strip)
		var e = assertThrows(java.io.IOException.class, () -> TiffSource.open(f));
		assertTrue(e.getMessage().startsWith("cut.tif is damaged") && e.getMessage().contains("truncated"), e
			.getMessage());
	}

	static byte[] bigTiff(int w, int h, int tile, short[] px) {
		int across = (w + tile - 1) / tile, down = (h + tile - 1) / tile, n = across * down;
		ByteArrayOutputStream data = new ByteArrayOutputStream();
		long[] offsets = new long[n], counts = new long[n];
		long start = 16;
		for (int ty = 0; ty < down; ty++)
			for (int tx = 0; tx < across; tx++) {
				ByteBuffer b = ByteBuffer.allocate(tile * tile * 2).order(ByteOrder.LITTLE_ENDIAN);
				for (int y = 0; y < tile; y++) {
					short prev = 0;
					for (int x = 0; x < tile; x++) {
						int gx = tx * tile + x, gy = ty * tile + y;
						short v = gx < w && gy < h ? px[gy * w + gx] : 0;
						b.putShort((short) (v - prev)); // predictor 2
						prev = v;
					}
				}
				Deflater d = new Deflater();
				d.setInput(b.array());
				d.finish();
				byte[] buf = new byte[b.capacity() + 1024];
				int len = d.deflate(buf);
				d.end();
				offsets[ty * across + tx] = start + data.size();
				counts[ty * across + tx] = len;
				data.write(buf, 0, len);
			}
		long arrays = start + data.size(), ifd = arrays + 16L * n;
		int[][] entries = { { 256, 3, w }, { 257, 3, h }, { 258, 3, 16 }, { 259, 3, 8 }, { 262, 3, 1 }, { 277, 3, 1 },
			{ 317, 3, 2 }, { 322, 3, tile }, { 323, 3, tile }, { 324, 16, -1 }, { 325, 16, -2 } };
		ByteBuffer out = ByteBuffer.allocate((int) (ifd + 8 + 20 * entries.length + 8)).order(ByteOrder.LITTLE_ENDIAN);
		out.put((byte) 'I').put((byte) 'I').putShort((short) 43).putShort((short) 8).putShort((short) 0).putLong(ifd);
		out.put(data.toByteArray());
		for (long o : offsets) out.putLong(o);
		for (long c : counts) out.putLong(c);
		out.putLong(entries.length);
		for (int[] e : entries) {
			out.putShort((short) e[0]).putShort((short) e[1]);
			if (e[2] < 0) out.putLong(n).putLong(e[2] == -1 ? arrays : arrays + 8L * n);
			else out.putLong(1).putShort((short) e[2]).putShort((short) 0).putInt(0);
		}
		out.putLong(0);
		return out.array();
	}
}
