package org.mvpseg.io;

import org.mvpseg.image.AbstractImageSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A single-plane TIFF or BigTIFF read rectangle by rectangle (TIFF 6.0 and the BigTIFF extension), so an image
 * larger than memory — or than ImageJ's 2³¹ pixels — can be segmented: only the strips or tiles a rectangle
 * touches are read and decoded (a few stay cached). Grey or RGB; 8-bit, 16-bit unsigned or 32-bit float samples;
 * strips or tiles; chunky or planar; uncompressed, LZW or Deflate, with or without horizontal differencing.
 * {@link #open} returns null for what it does not read (several planes; palettes, which ImageJ reads as grey or as
 * colour by a rule of its own; JPEG and other compressions), and the
 * caller opens those with ImageJ. The calibration is ImageJ's (unit in the description, XResolution/YResolution).
 */
public final class TiffSource extends AbstractImageSource implements AutoCloseable {

	private final FileChannel file;
	private final ByteOrder order;
	private final int bits, samples, chunkW, chunkH, chunksAcross, compression, predictor;
	private final boolean planar, tiled, floats;
	private final long[] offsets, counts;
	private final Map<Integer, Object> cache = new LinkedHashMap<>(16, 0.75f, true) {
		@Override
		protected boolean removeEldestEntry(Map.Entry<Integer, Object> e) {
			return size() > 2 * Math.max(4, chunksAcross);
		}
	};

	/** True when the calibration read here is ImageJ's own (an ImageJ file, or one without resolution tags). */
	private boolean calibrationAsImageJ;

	/**
	 * Whether this file's pixel size is read as ImageJ reads it: ImageJ's own TIFFs and files without resolution tags.
	 * Other files' resolution units (inch, cm) follow ImageJ's rules, which this class does not repeat; a caller that
	 * wants ImageJ's calibration opens those with ImageJ when they fit in memory.
	 */
	public boolean calibrationAsImageJ() {
		return calibrationAsImageJ;
	}

	private TiffSource(FileChannel file, ByteOrder order, Ifd d, Calibration cal, Path path) throws IOException {
		super(d.intOf(256), d.intOf(257), d.intOf(277, 1) == 3 ? 3 : 1, d.intOf(258, 8) == 8 ? Kind.U8 : d.intOf(258,
			8) == 16 ? Kind.U16 : Kind.F32, cal);
		this.file = file;
		this.order = order;
		this.bits = d.intOf(258, 8);
		this.samples = d.intOf(277, 1);
		this.planar = d.intOf(284, 1) == 2;
		this.floats = d.intOf(339, 1) == 3;
		this.compression = d.intOf(259, 1);
		this.predictor = d.intOf(317, 1);
		this.tiled = d.has(322);
		this.chunkW = tiled ? d.intOf(322) : width();
		int rows = tiled ? d.intOf(323) : Math.min(height(), d.intOf(278, height()));
		long[] off = d.longs(tiled ? 324 : 273), cnt = d.longs(tiled ? 325 : 279);
		this.chunksAcross = (width() + chunkW - 1) / chunkW;
		checkChunks(path, file.size(), off, cnt, rows, d.intOf(259, 1));
		// an uncompressed strip is read in parts (ImageJ writes a whole image as one strip)
		int parts = tiled || compression != 1 ? 1 : parts(rows, (long) width() * (planar ? 1 : samples) * (bits / 8));
		this.chunkH = rows / parts;
		this.offsets = new long[off.length * parts];
		this.counts = new long[off.length * parts];
		long partBytes = (long) chunkH * width() * (planar ? 1 : samples) * (bits / 8);
		for (int s = 0; s < off.length; s++)
			for (int j = 0; j < parts; j++) {
				offsets[s * parts + j] = off[s] + j * partBytes;
				// a compressed strip can be larger than its pixels (LZW of noise): only raw parts are cut to size
				counts[s * parts + j] = compression != 1 ? cnt[s] : Math.max(0, Math.min(partBytes, cnt[s] - j * partBytes));
			}
	}

	/** More than LZW's or Deflate's best ratio (about 2700 : 1 and 1032 : 1): fewer stored bytes mean damage. */
	private static final long MAX_RATIO = 5000;

	/**
	 * Refuses, before any pixel is read, a file whose strips or tiles cannot hold the image it claims: too few of them,
	 * one that runs past the end of the file, or (uncompressed) one shorter than its pixels — a truncated file would
	 * otherwise be read as zeros and segmented, and a huge size claimed by a tiny file reported as lack of disk space.
	 */
	private void checkChunks(Path path, long fileSize, long[] off, long[] cnt, int rows, int compression)
		throws IOException
	{
		int perPixel = planar ? 1 : samples, planes = planar ? samples : 1, bytes = bits / 8;
		long down = ((long) height() + rows - 1) / rows, needed = (long) chunksAcross * down * planes;
		String name = path.getFileName() + " is damaged: ";
		if (off.length < needed || cnt.length < needed) throw new IOException(name + "it lists " + Math.min(off.length,
			cnt.length) + " strips or tiles where its size (" + width() + "x" + height() + ") needs " + needed + ".");
		long stored = 0;
		for (int i = 0; i < needed; i++) {
			if (off[i] < 0 || cnt[i] < 0 || off[i] + cnt[i] > fileSize) throw new IOException(name + "strip or tile " + i
				+ " ends at byte " + (off[i] + cnt[i]) + " but the file has " + fileSize + " bytes (truncated?).");
			long chunkRows = tiled ? rows : Math.min(rows, height() - (long) (i / chunksAcross % down) * rows);
			long raw = chunkRows * chunkW * perPixel * bytes;
			if (compression == 1 && cnt[i] < raw) throw new IOException(name + "strip or tile " + i + " holds " + cnt[i]
				+ " bytes but its pixels need " + raw + " (truncated?).");
			stored += cnt[i];
		}
		long pixels = (long) width() * height() * samples * bytes;
		if (stored * MAX_RATIO < pixels) throw new IOException(name + "its " + stored + " bytes of pixel data cannot hold "
			+ width() + "x" + height() + " pixels, even compressed.");
	}

	/** Into how many equal parts a strip of {@code rows} rows splits so that a part stays near 4 MB. */
	static int parts(int rows, long rowBytes) {
		long want = Math.max(1, (rows * rowBytes + (4 << 20) - 1) / (4 << 20));
		for (int k = (int) Math.min(want, rows); k <= rows; k++) if (rows % k == 0) return k;
		return rows;
	}

	/** Rows per decoded strip or tile (tests). */
	int chunkRows() {
		return chunkH;
	}

	/**
	 * The TIFF at {@code path} as a rectangle reader, or null when it is not a single-plane image this class reads
	 * (ImageJ then reads it whole). A damaged file fails with a message naming it.
	 */
	public static TiffSource open(Path path) throws IOException {
		FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
		try {
			TiffSource t = parse(ch, path);
			if (t == null) ch.close();
			return t;
		}
		catch (IOException | RuntimeException e) {
			ch.close();
			throw e instanceof IOException io ? io : new IOException(path.getFileName() + " is not a readable TIFF ("
				+ e.getMessage() + ")", e);
		}
	}

	private static TiffSource parse(FileChannel ch, Path path) throws IOException {
		ByteBuffer head = read(ch, 0, 16, ByteOrder.BIG_ENDIAN);
		ByteOrder order = head.getShort(0) == 0x4949 ? ByteOrder.LITTLE_ENDIAN : head.getShort(0) == 0x4D4D
			? ByteOrder.BIG_ENDIAN : null;
		if (order == null) return null;
		head.order(order);
		int magic = head.getShort(2) & 0xFFFF;
		boolean big = magic == 43;
		if (magic != 42 && !big) return null;
		Ifd d = Ifd.read(ch, order, big, big ? head.getLong(8) : head.getInt(4) & 0xFFFFFFFFL, path);
		String description = d.text(ch, order, 270);
		boolean onePlane = d.next == 0 && !description.matches("(?s).*\\bimages=([2-9]|\\d\\d+).*");
		int photometric = d.intOf(262, 1), samples = d.intOf(277, 1), bits = d.intOf(258, 8), format = d.intOf(339, 1);
		boolean typeOk = (bits == 8 || bits == 16) && format == 1 || bits == 32 && format == 3;
		boolean colourOk = photometric <= 1 && samples == 1 || photometric == 2 && samples == 3 && bits == 8;
		int compression = d.intOf(259, 1), predictor = d.intOf(317, 1);
		boolean codingOk = (compression == 1 || compression == 5 || compression == 8 || compression == 32946)
			&& (predictor == 1 || predictor == 2 && bits != 32);
		if (!onePlane || !typeOk || !colourOk || !codingOk || photometric == 0) return null; // ImageJ reads the rest
		TiffSource t = new TiffSource(ch, order, d, calibration(d, ch, order, description), path);
		t.calibrationAsImageJ = description.startsWith("ImageJ=") || !d.has(282) && !d.has(283);
		return t;
	}

	/** ImageJ's calibration: "unit=" in the description, pixel size = 1 / resolution. */
	private static Calibration calibration(Ifd d, FileChannel ch, ByteOrder order, String description)
		throws IOException
	{
		java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^unit=(.+)$").matcher(description);
		if (!m.find() || !d.has(282)) return Calibration.NONE;
		String unit = m.group(1).strip().replace("\\u00B5", "µ");
		double xr = d.rational(ch, order, 282), yr = d.has(283) ? d.rational(ch, order, 283) : xr;
		return xr > 0 && yr > 0 ? new Calibration(1 / xr, 1 / yr, unit.equals("micron") ? "micron" : unit)
			: Calibration.NONE;
	}

	@Override
	public void read(int c, int x, int y, int w, int h, float[] dst) {
		try {
			for (int ty = y / chunkH; ty <= (y + h - 1) / chunkH; ty++)
				for (int tx = x / chunkW; tx <= (x + w - 1) / chunkW; tx++) copy(c, tx, ty, x, y, w, h, dst);
		}
		catch (IOException e) {
			throw new java.io.UncheckedIOException(e);
		}
	}

	/** Copies the part of one strip or tile inside the rectangle. */
	private void copy(int c, int tx, int ty, int x, int y, int w, int h, float[] dst) throws IOException {
		int plane = planar ? c : 0, perPixel = planar ? 1 : samples, sample = planar ? 0 : c;
		Object px = chunk(plane * chunksAcross * ((height() + chunkH - 1) / chunkH) + ty * chunksAcross + tx);
		int x0 = Math.max(x, tx * chunkW), x1 = Math.min(x + w, Math.min(width(), (tx + 1) * chunkW));
		int y0 = Math.max(y, ty * chunkH), y1 = Math.min(y + h, Math.min(height(), (ty + 1) * chunkH));
		for (int yy = y0; yy < y1; yy++) {
			int row = (yy - ty * chunkH) * chunkW * perPixel, out = (yy - y) * w - x;
			for (int xx = x0; xx < x1; xx++) {
				int i = row + (xx - tx * chunkW) * perPixel + sample;
				dst[out + xx] = px instanceof byte[] b ? b[i] & 0xFF : px instanceof short[] s ? s[i] & 0xFFFF
					: ((float[]) px)[i];
			}
		}
	}

	/** A decoded strip or tile (chunk index as in the offsets table), from the cache or the file. */
	private synchronized Object chunk(int index) throws IOException {
		Object p = cache.get(index);
		if (p != null) return p;
		if (index >= offsets.length) throw new IOException("the TIFF lists " + offsets.length + " strips or tiles, "
			+ "fewer than its size needs");
		int perPixel = planar ? 1 : samples, n = chunkW * chunkH * perPixel, bytes = n * (bits / 8);
		byte[] raw = decode(read(file, offsets[index], (int) counts[index], order), bytes);
		ByteBuffer b = ByteBuffer.wrap(raw).order(order);
		if (bits == 8) p = raw;
		else if (bits == 16) {
			short[] s = new short[n];
			b.asShortBuffer().get(s);
			p = s;
		}
		else {
			float[] f = new float[n];
			b.asFloatBuffer().get(f);
			p = f;
		}
		if (predictor == 2) undoDifferencing(p, perPixel);
		cache.put(index, p);
		return p;
	}

	private byte[] decode(ByteBuffer data, int expected) throws IOException {
		byte[] in = new byte[data.remaining()];
		data.get(in);
		if (compression == 1) return in.length >= expected ? in : java.util.Arrays.copyOf(in, expected);
		if (compression == 5) return TiffLzw.decode(in, expected);
		Inflater inf = new Inflater();
		try {
			inf.setInput(in);
			byte[] out = new byte[expected];
			int got = 0;
			while (got < expected && !inf.finished()) {
				int k = inf.inflate(out, got, expected - got);
				if (k == 0 && (inf.needsInput() || inf.needsDictionary())) break;
				got += k;
			}
			if (got < expected && !inf.finished()) throw new IOException("a Deflate block ended early (damaged file)");
			return out;
		}
		catch (DataFormatException e) {
			throw new IOException("damaged Deflate data: " + e.getMessage(), e);
		}
		finally {
			inf.end();
		}
	}

	/** TIFF predictor 2: each sample was stored as the difference to the one left of it in its row. */
	private void undoDifferencing(Object p, int perPixel) {
		int row = chunkW * perPixel;
		for (int r = 0; r < chunkH; r++)
			for (int i = r * row + perPixel; i < (r + 1) * row; i++) {
				if (p instanceof byte[] b) b[i] += b[i - perPixel];
				else if (p instanceof short[] s) s[i] += s[i - perPixel];
			}
	}

	private static ByteBuffer read(FileChannel ch, long at, int n, ByteOrder order) throws IOException {
		ByteBuffer b = ByteBuffer.allocate(n).order(order);
		while (b.hasRemaining()) if (ch.read(b, at + b.position()) < 0) throw new IOException("the file ends at byte "
			+ (at + b.position()) + " but its directory points further (truncated?)");
		return b.flip();
	}

	@Override
	public void close() throws IOException {
		file.close();
	}

	/** One image file directory: tag → (type, count, value or offset). */
	private static final class Ifd {
		final Map<Integer, long[]> tags = new HashMap<>(); // {type, count, valueOrOffset, offsetOfValueField}
		final boolean big;
		final FileChannel ch;
		final ByteOrder order;
		long next;

		private Ifd(FileChannel ch, ByteOrder order, boolean big) {
			this.ch = ch;
			this.order = order;
			this.big = big;
		}

		static Ifd read(FileChannel ch, ByteOrder order, boolean big, long at, Path path) throws IOException {
			Ifd d = new Ifd(ch, order, big);
			long n = big ? TiffSource.read(ch, at, 8, order).getLong() : TiffSource.read(ch, at, 2, order).getShort()
				& 0xFFFF;
			int entry = big ? 20 : 12;
			if (n <= 0 || n > 10_000) throw new IOException(path.getFileName() + ": a TIFF directory of " + n
				+ " entries (damaged file)");
			ByteBuffer b = TiffSource.read(ch, at + (big ? 8 : 2), (int) n * entry + (big ? 8 : 4), order);
			for (int i = 0; i < n; i++) {
				int p = i * entry, tag = b.getShort(p) & 0xFFFF, type = b.getShort(p + 2) & 0xFFFF;
				long count = big ? b.getLong(p + 4) : b.getInt(p + 4) & 0xFFFFFFFFL;
				long field = at + (big ? 8 : 2) + p + (big ? 12 : 8);
				long value = inline(b, p + (big ? 12 : 8), type, count, big);
				d.tags.put(tag, new long[] { type, count, value, field });
			}
			d.next = big ? b.getLong((int) n * entry) : b.getInt((int) n * entry) & 0xFFFFFFFFL;
			return d;
		}

		/** The first value when it fits in the entry, else the offset of the values. */
		private static long inline(ByteBuffer b, int at, int type, long count, boolean big) {
			int size = size(type);
			if (size * count > (big ? 8 : 4)) return big ? b.getLong(at) : b.getInt(at) & 0xFFFFFFFFL;
			return switch (size) {
				case 1 -> b.get(at) & 0xFF;
				case 2 -> b.getShort(at) & 0xFFFF;
				case 4 -> b.getInt(at) & 0xFFFFFFFFL;
				default -> b.getLong(at);
			};
		}

		private static int size(int type) {
			return switch (type) {
				case 1, 2, 6, 7 -> 1;
				case 3, 8 -> 2;
				case 4, 9, 11, 13 -> 4;
				default -> 8; // RATIONAL, DOUBLE, LONG8, IFD8
			};
		}

		boolean has(int tag) {
			return tags.containsKey(tag);
		}

		int intOf(int tag) throws IOException {
			if (!has(tag)) throw new IOException("the TIFF has no tag " + tag);
			return (int) longs(tag)[0];
		}

		/** A tag's first value (BitsPerSample of RGB holds three), or the fallback when it is absent. */
		int intOf(int tag, int fallback) throws IOException {
			return has(tag) ? (int) longs(tag)[0] : fallback;
		}

		/** All values of an integer tag (strip or tile offsets and byte counts). */
		long[] longs(int tag) throws IOException {
			long[] t = tags.get(tag);
			if (t == null) throw new IOException("the TIFF has no tag " + tag);
			int n = (int) t[1], size = size((int) t[0]);
			ByteBuffer b = TiffSource.read(ch, valuesAt(t), size * n, order);
			long[] out = new long[n];
			for (int i = 0; i < n; i++) out[i] = size == 2 ? b.getShort() & 0xFFFF : size == 4 ? b.getInt() & 0xFFFFFFFFL
				: b.getLong();
			return out;
		}

		/** Where a tag's values are: in the entry itself when they fit, else at its offset. */
		private long valuesAt(long[] t) {
			return (long) size((int) t[0]) * t[1] <= (big ? 8 : 4) ? t[3] : t[2];
		}

		String text(FileChannel ch, ByteOrder order, int tag) throws IOException {
			long[] t = tags.get(tag);
			if (t == null) return "";
			int n = (int) Math.min(t[1], 1 << 20);
			ByteBuffer b = TiffSource.read(ch, valuesAt(t), n, order);
			return new String(b.array(), 0, n, java.nio.charset.StandardCharsets.ISO_8859_1).replace("\0", "");
		}

		double rational(FileChannel ch, ByteOrder order, int tag) throws IOException {
			ByteBuffer b = TiffSource.read(ch, valuesAt(tags.get(tag)), 8, order);
			long num = b.getInt() & 0xFFFFFFFFL, den = b.getInt() & 0xFFFFFFFFL;
			return den == 0 ? 0 : num / (double) den;
		}
	}
}
