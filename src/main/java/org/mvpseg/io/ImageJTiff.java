package org.mvpseg.io;

import org.mvpseg.files.AtomicFiles;
import org.mvpseg.image.ImageSource.Calibration;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes TIFF files exactly as ImageJ 1.x lays them out (big-endian, pages stored contiguously, an
 * "ImageJ=" description, slice labels, the Info text and image properties in ImageJ's metadata
 * tags 50838/50839), so ImageJ and Fiji open them with calibration, class names and a colour table.
 * Rows may arrive in any order: each is written at its place in a preallocated file, so a
 * whole-slide probability stack never has to sit in memory. The file appears under its final name
 * only when complete.
 */
public final class ImageJTiff implements Closeable {

	/** Pixel types: 8-bit, 16-bit unsigned, 32-bit float, 32-bit unsigned (object ids beyond 65 535; ImageJ reads it as 32-bit). */
	public enum Type {
		U8(1), U16(2), F32(4), U32(4);

		final int bytes;

		Type(int bytes) {
			this.bytes = bytes;
		}
	}

	private final Path target, tmp;
	private final FileChannel out;
	private final int width, height, pages;
	private final Type type;
	private final long planeBytes;
	private final boolean big;
	private final long dataStart; // pixels follow the header
	private String description = "";
	private String info;
	private String[] sliceLabels;
	private final List<String> properties = new ArrayList<>();
	private byte[][] lut; // r, g, b (256 each) for 8-bit
	private Calibration calibration = Calibration.NONE;
	private boolean done;

	public ImageJTiff(Path target, int width, int height, int pages, Type type) throws IOException {
		this(target, width, height, pages, type, (double) width * height * type.bytes * pages > CLASSIC_LIMIT);
	}

	/** The most pixel bytes written as a classic TIFF (what 32-bit offsets reach, leaving room for the tags). */
	static final long CLASSIC_LIMIT = 0xFFFF_0000L - 1_000_000;

	/** @param big BigTIFF (64-bit offsets), which larger files need; a test asks for it on small ones */
	ImageJTiff(Path target, int width, int height, int pages, Type type, boolean big) throws IOException {
		this.target = target;
		this.width = width;
		this.height = height;
		this.pages = pages;
		this.type = type;
		this.big = big;
		this.dataStart = big ? 16 : 8;
		this.planeBytes = (long) width * height * type.bytes;
		Path dir = target.toAbsolutePath().getParent();
		Files.createDirectories(dir);
		long free = Files.getFileStore(dir).getUsableSpace();
		double need = (double) width * height * type.bytes * pages; // in double: absurd sizes overflow a long
		if (free > 0 && need > free) throw new IOException("The output " + target.getFileName() + " would take " + String
			.format(java.util.Locale.ROOT, "%.0f", need / (1 << 20)) + " MiB, but " + dir + " has " + (free >> 20)
			+ " MiB free: free some space, write to another disk, or choose fewer outputs (labels take 1 byte per pixel, "
			+ "probabilities 4 bytes per pixel and class).");
		this.tmp = AtomicFiles.tempSibling(target);
		this.out = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.READ);
	}

	/** Extra lines of the ImageJ description ("channels=3", "hyperstack=true", …). */
	public ImageJTiff description(String lines) {
		this.description = lines;
		return this;
	}

	public ImageJTiff calibration(Calibration c) {
		this.calibration = c;
		return this;
	}

	/** The text ImageJ shows under Image › Show Info. */
	public ImageJTiff info(String text) {
		this.info = text;
		return this;
	}

	public ImageJTiff sliceLabels(String... labels) {
		this.sliceLabels = labels;
		return this;
	}

	/** An image property (ImageJ 1.53+: {@code Property.get(key)} in macros). */
	public ImageJTiff property(String key, String value) {
		properties.add(key);
		properties.add(value);
		return this;
	}

	/** A 256-entry colour table for an 8-bit image. */
	public ImageJTiff lut(byte[] r, byte[] g, byte[] b) {
		this.lut = new byte[][] { r, g, b };
		return this;
	}

	/** Writes rows {@code [y0, y0+rows)} of one page from {@code data} (row-major, {@code rows·width}). */
	public void writeFloats(int page, int y0, int rows, float[] data, int offset) throws IOException {
		check(page, y0, rows, Type.F32);
		ByteBuffer b = ByteBuffer.allocate(rows * width * 4).order(ByteOrder.BIG_ENDIAN);
		b.asFloatBuffer().put(data, offset, rows * width);
		write(page, y0, b);
	}

	/** Writes label rows as 8-, 16- or 32-bit unsigned values. */
	public void writeInts(int page, int y0, int rows, int[] data, int offset) throws IOException {
		if (type == Type.F32) throw new IllegalStateException("float image");
		check(page, y0, rows, type);
		ByteBuffer b = ByteBuffer.allocate(rows * width * type.bytes).order(ByteOrder.BIG_ENDIAN);
		for (int i = 0; i < rows * width; i++) {
			if (type == Type.U8) b.put((byte) data[offset + i]);
			else if (type == Type.U16) b.putShort((short) data[offset + i]);
			else b.putInt(data[offset + i]);
		}
		write(page, y0, b.flip());
	}

	private void check(int page, int y0, int rows, Type expected) {
		if (type != expected) throw new IllegalStateException("image is " + type + ", not " + expected);
		if (page < 0 || page >= pages || y0 < 0 || y0 + rows > height) throw new IllegalArgumentException(
			"rows " + y0 + "+" + rows + " of page " + page + " outside " + width + "x" + height + "x" + pages);
	}

	private void write(int page, int y0, ByteBuffer b) throws IOException {
		long pos = dataStart + page * planeBytes + (long) y0 * width * type.bytes;
		b.rewind();
		while (b.hasRemaining()) pos += out.write(b, pos);
	}

	/** Writes the directories and moves the file into place. Without this call nothing is left behind. */
	public void finish() throws IOException {
		Files.move(finishTemporary(), target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
		done = true;
	}

	/**
	 * Writes the directories and leaves the complete file under its temporary name, for a caller
	 * that moves several files into place together; {@link #close()} then leaves it alone.
	 */
	public Path finishTemporary() throws IOException {
		long ifdStart = dataStart + pages * planeBytes;
		if (ifdStart % 2 == 1) ifdStart++;
		ByteArrayOutputStream tail = new ByteArrayOutputStream();
		for (int p = 0; p < pages; p++) tail.write(directory(p, ifdStart + tail.size()));
		ByteBuffer t = ByteBuffer.wrap(tail.toByteArray());
		long pos = ifdStart;
		while (t.hasRemaining()) pos += out.write(t, pos);
		ByteBuffer header = ByteBuffer.allocate((int) dataStart).order(ByteOrder.BIG_ENDIAN);
		header.put((byte) 'M').put((byte) 'M');
		if (big) header.putShort((short) 43).putShort((short) 8).putShort((short) 0).putLong(ifdStart);
		else header.putShort((short) 42).putInt((int) ifdStart);
		out.write(header.flip(), 0);
		out.force(false);
		out.close();
		done = true;
		return tmp;
	}

	/**
	 * Page p's directory and the values stored after it, to be written at {@code here}. Classic TIFF: 12-byte entries,
	 * values of up to 4 bytes inside them; BigTIFF: 20-byte entries, up to 8 bytes inside.
	 */
	private byte[] directory(int p, long here) throws IOException {
		List<Entry> entries = entries(p);
		int inline = big ? 8 : 4;
		long extraPos = here + (big ? 8 : 2) + entries.size() * (big ? 20L : 12L) + (big ? 8 : 4);
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		DataOutputStream d = new DataOutputStream(bytes);
		ByteArrayOutputStream extraBytes = new ByteArrayOutputStream();
		offset(d, entries.size(), big ? 8 : 2);
		for (Entry e : entries) {
			d.writeShort(e.tag());
			d.writeShort(e.type());
			offset(d, e.value().length / unit(e.type()), big ? 8 : 4);
			if (e.value().length > inline) { // stored after the directory
				offset(d, extraPos + extraBytes.size(), inline);
				extraBytes.write(e.value());
				if (extraBytes.size() % 2 == 1) extraBytes.write(0);
			}
			else {
				d.write(e.value()); // left-justified
				d.write(new byte[inline - e.value().length]);
			}
		}
		offset(d, p + 1 < pages ? extraPos + extraBytes.size() : 0, inline);
		bytes.write(extraBytes.toByteArray());
		return bytes.toByteArray();
	}

	private static void offset(DataOutputStream d, long v, int bytes) throws IOException {
		if (bytes == 8) d.writeLong(v);
		else if (bytes == 4) d.writeInt((int) v);
		else d.writeShort((int) v);
	}

	/** One tag: its TIFF type and its value's bytes (big-endian). */
	private record Entry(int tag, int type, byte[] value) {}

	private static int unit(int tiffType) {
		return switch (tiffType) {
			case 3 -> 2;
			case 4 -> 4;
			case 5, 16 -> 8;
			default -> 1;
		};
	}

	private static Entry number(int tag, int tiffType, long... values) {
		ByteBuffer b = ByteBuffer.allocate(values.length * unit(tiffType)).order(ByteOrder.BIG_ENDIAN);
		for (long v : values) {
			if (tiffType == 3) b.putShort((short) v);
			else if (tiffType == 4) b.putInt((int) v);
			else b.putLong(v);
		}
		return new Entry(tag, tiffType, b.array());
	}

	private List<Entry> entries(int p) throws IOException {
		List<Entry> entries = new ArrayList<>();
		entries.add(number(254, 4, 0));
		entries.add(number(256, 4, width));
		entries.add(number(257, 4, height));
		entries.add(number(258, 3, type.bytes * 8L));
		entries.add(number(259, 3, 1));
		entries.add(number(262, 3, lut != null && type == Type.U8 ? 3 : 1));
		if (p == 0) {
			String desc = "ImageJ=1.54p\n" + (pages > 1 ? "images=" + pages + "\n" : "") + description + (calibration
				.isCalibrated() ? "unit=" + calibration.unit() + "\n" : "") + "\0";
			entries.add(new Entry(270, 2, desc.getBytes(StandardCharsets.ISO_8859_1)));
		}
		strips(p, entries);
		entries.add(new Entry(282, 5, rational(1 / calibration.pixelWidth())));
		entries.add(new Entry(283, 5, rational(1 / calibration.pixelHeight())));
		entries.add(number(296, 3, 1));
		if (lut != null && type == Type.U8) entries.add(new Entry(320, 3, colorMap()));
		if (type == Type.F32) entries.add(number(339, 3, 3));
		if (type == Type.U32) entries.add(number(339, 3, 1)); // unsigned: ImageJ reads GRAY32_UNSIGNED
		byte[] meta = p == 0 ? metadata() : null;
		if (meta != null) {
			int[] metaCounts = metaCounts();
			ByteBuffer counts = ByteBuffer.allocate(metaCounts.length * 4).order(ByteOrder.BIG_ENDIAN);
			for (int c : metaCounts) counts.putInt(c);
			entries.add(new Entry(50838, 4, counts.array()));
			entries.add(new Entry(50839, 1, meta));
		}
		entries.sort(java.util.Comparator.comparingInt(Entry::tag));
		return entries;
	}

	/**
	 * Where page p's pixels lie: one strip, as ImageJ writes it, in a classic TIFF; strips of about 8 MB in a BigTIFF,
	 * so that readers never need a whole plane of a huge image at once (the bytes are the same contiguous plane).
	 */
	private void strips(int p, List<Entry> entries) {
		long rowBytes = (long) width * type.bytes;
		int rows = big ? (int) Math.max(1, Math.min(height, (8L << 20) / rowBytes)) : height;
		int n = (height + rows - 1) / rows;
		long[] offsets = new long[n], counts = new long[n];
		for (int i = 0; i < n; i++) {
			offsets[i] = dataStart + p * planeBytes + i * rows * rowBytes;
			counts[i] = Math.min(rows, height - (long) i * rows) * rowBytes;
		}
		entries.add(number(273, big ? 16 : 4, offsets));
		entries.add(number(277, 3, 1));
		entries.add(number(278, 4, rows));
		entries.add(number(279, big ? 16 : 4, counts));
	}

	private static byte[] rational(double v) {
		long den = 1_000_000, num = Math.round(v * den);
		while (num > 0xFFFF_FFFFL) {
			den /= 10;
			num = Math.round(v * den);
		}
		ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN);
		b.putInt((int) num).putInt((int) den);
		return b.array();
	}

	private byte[] colorMap() {
		ByteBuffer b = ByteBuffer.allocate(3 * 256 * 2).order(ByteOrder.BIG_ENDIAN);
		for (byte[] channel : lut) for (int i = 0; i < 256; i++) b.putShort((short) ((channel[i] & 0xff) * 257));
		return b.array();
	}

	private static final int MAGIC = 0x494a494a, INFO = 0x696e666f, LABELS = 0x6c61626c, PROPERTIES = 0x70726f70;

	/** ImageJ's metadata block: "IJIJ", (type, count) pairs, then UTF-16 strings. */
	private byte[] metadata() throws IOException {
		List<int[]> types = new ArrayList<>();
		if (info != null) types.add(new int[] { INFO, 1 });
		if (sliceLabels != null) types.add(new int[] { LABELS, sliceLabels.length });
		if (!properties.isEmpty()) types.add(new int[] { PROPERTIES, properties.size() });
		if (types.isEmpty()) return null;
		ByteArrayOutputStream b = new ByteArrayOutputStream();
		DataOutputStream d = new DataOutputStream(b);
		d.writeInt(MAGIC);
		for (int[] t : types) {
			d.writeInt(t[0]);
			d.writeInt(t[1]);
		}
		for (String s : strings()) d.writeChars(s);
		return b.toByteArray();
	}

	private int[] metaCounts() {
		List<String> s = strings();
		int nTypes = (info != null ? 1 : 0) + (sliceLabels != null ? 1 : 0) + (properties.isEmpty() ? 0 : 1);
		int[] c = new int[1 + s.size()];
		c[0] = 4 + 8 * nTypes;
		for (int i = 0; i < s.size(); i++) c[i + 1] = s.get(i).length() * 2;
		return c;
	}

	private List<String> strings() {
		List<String> s = new ArrayList<>();
		if (info != null) s.add(info);
		if (sliceLabels != null) for (String l : sliceLabels) s.add(l == null ? "" : l);
		s.addAll(properties);
		return s;
	}

	/** Without {@link #finish()}: removes the partial file, leaving the target untouched. */
	@Override
	public void close() throws IOException {
		if (done) return;
		out.close();
		Files.deleteIfExists(tmp);
	}
}
