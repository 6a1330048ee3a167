package org.mvpseg;

import org.mvpseg.clip.io.RawTensor;
import org.mvpseg.clip.io.SafetensorsReader;
import org.mvpseg.clip.io.SafetensorsWriter;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Damaged copies of good files, for the bad-input audit: truncated, a metadata field edited, a tensor made NaN,
 * reshaped or removed; TIFFs whose header claims more than the file holds; pickles with extra opcodes.
 */
public final class DamagedFiles {

	private DamagedFiles() {}

	/** A copy of {@code from} without its last {@code bytes} bytes. */
	public static Path truncated(Path from, Path to, int bytes) throws IOException {
		byte[] all = Files.readAllBytes(from);
		return Files.write(to, Arrays.copyOf(all, all.length - bytes));
	}

	/** A copy of a safetensors file with its tensors and metadata changed by {@code edit}. */
	public static Path edited(Path from, Path to, Consumer<Map<String, RawTensor>> tensors,
		Consumer<Map<String, String>> metadata) throws IOException
	{
		Map<String, RawTensor> t = new LinkedHashMap<>();
		for (var e : SafetensorsReader.read(from).entrySet()) t.put(e.getKey(), copy(e.getValue()));
		Map<String, String> meta = new LinkedHashMap<>(SafetensorsReader.metadata(from));
		tensors.accept(t);
		metadata.accept(meta);
		SafetensorsWriter.write(to, t, meta);
		return to;
	}

	/** A metadata field set to {@code value}. */
	public static Path withMeta(Path from, Path to, String key, String value) throws IOException {
		return edited(from, to, t -> {}, m -> m.put(key, value));
	}

	/** Tensor {@code name} with its value at {@code index} made NaN. */
	public static Path withNaN(Path from, Path to, String name, int index) throws IOException {
		return edited(from, to, t -> {
			float[] v = t.get(name).toFloats();
			v[index] = Float.NaN;
			t.put(name, SafetensorsWriter.f32(name, v, t.get(name).shape()));
		}, m -> {});
	}

	/** Tensor {@code name} cut to its first {@code rows} rows (its first dimension shrinks). */
	public static Path shrunk(Path from, Path to, String name, int rows) throws IOException {
		return edited(from, to, t -> {
			RawTensor r = t.get(name);
			long[] shape = r.shape().clone();
			long per = r.numel() / shape[0];
			shape[0] = rows;
			t.put(name, SafetensorsWriter.f32(name, Arrays.copyOf(r.toFloats(), (int) (rows * per)), shape));
		}, m -> {});
	}

	public static Path without(Path from, Path to, String name) throws IOException {
		return edited(from, to, t -> t.remove(name), m -> {});
	}

	/** The tensor's bytes copied out of the file's mapping (the file may be replaced meanwhile). */
	private static RawTensor copy(RawTensor t) {
		ByteBuffer b = ByteBuffer.allocate(t.data().capacity());
		b.put(t.data().duplicate()).flip();
		return new RawTensor(t.name(), t.type(), t.shape(), b);
	}

	/**
	 * A little-endian grey 8-bit TIFF whose one strip is declared {@code stripBytes} long and holds {@code dataBytes}
	 * bytes; {@code description} goes into ImageDescription (ImageJ's "images=2" makes it a stack).
	 */
	public static Path tiff(Path to, long width, long height, int compression, long stripBytes, int dataBytes,
		String description) throws IOException
	{
		byte[] desc = (description + "\0").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
		int entries = 10, ifd = 8, descAt = ifd + 2 + entries * 12 + 4, dataAt = descAt + desc.length;
		ByteBuffer b = ByteBuffer.allocate(dataAt + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
		b.put((byte) 'I').put((byte) 'I').putShort((short) 42).putInt(ifd).putShort((short) entries);
		long[][] tags = { { 256, 4, width }, { 257, 4, height }, { 258, 3, 8 }, { 259, 3, compression }, { 262, 3, 1 },
			{ 270, 2, desc.length, descAt }, { 273, 4, dataAt }, { 277, 3, 1 }, { 278, 4, height }, { 279, 4,
				stripBytes } };
		for (long[] t : tags) {
			b.putShort((short) t[0]).putShort((short) t[1]).putInt(t.length == 4 ? (int) t[2] : 1);
			if (t[1] == 3) b.putShort((short) t[2]).putShort((short) 0);
			else b.putInt((int) (t.length == 4 ? t[3] : t[2]));
		}
		b.putInt(0).put(desc);
		for (int i = 0; i < dataBytes; i++) b.put((byte) (i * 7));
		return Files.write(to, b.array());
	}

	/** A solid 16×16 palette PNG whose index 0 is the colour {@code rgb}. */
	public static Path palettePng(Path to, int r, int g, int bl) throws IOException {
		ByteArrayOutputStream png = new ByteArrayOutputStream();
		png.write(new byte[] { (byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' });
		chunk(png, "IHDR", ByteBuffer.allocate(13).putInt(16).putInt(16).put((byte) 8).put((byte) 3).put(new byte[3])
			.array());
		chunk(png, "PLTE", new byte[] { (byte) r, (byte) g, (byte) bl, 0, 0, (byte) 255 });
		ByteArrayOutputStream raw = new ByteArrayOutputStream();
		for (int y = 0; y < 16; y++) raw.write(new byte[17]); // filter 0, then 16 indices 0
		ByteArrayOutputStream z = new ByteArrayOutputStream();
		try (OutputStream d = new java.util.zip.DeflaterOutputStream(z)) {
			d.write(raw.toByteArray());
		}
		chunk(png, "IDAT", z.toByteArray());
		chunk(png, "IEND", new byte[0]);
		return Files.write(to, png.toByteArray());
	}

	private static void chunk(ByteArrayOutputStream out, String type, byte[] data) throws IOException {
		java.util.zip.CRC32 crc = new java.util.zip.CRC32();
		crc.update(type.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
		crc.update(data);
		out.write(ByteBuffer.allocate(4).putInt(data.length).array());
		out.write(type.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
		out.write(data);
		out.write(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
	}

	/**
	 * A copy of a PyTorch zip archive whose {@code data.pkl} has {@code extra} inserted right after its PROTO opcode
	 * (a value pushed and popped again leaves the rest of the pickle as it was).
	 */
	public static Path pickleWith(Path from, Path to, byte[] extra) throws IOException {
		try (ZipFile zip = new ZipFile(from.toFile()); ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(
			to)))
		{
			for (var en = zip.entries(); en.hasMoreElements();) {
				ZipEntry e = en.nextElement();
				byte[] data;
				try (InputStream in = zip.getInputStream(e)) {
					data = in.readAllBytes();
				}
				if (e.getName().endsWith("/data.pkl")) {
					byte[] p = new byte[data.length + extra.length];
					System.arraycopy(data, 0, p, 0, 2); // PROTO n
					System.arraycopy(extra, 0, p, 2, extra.length);
					System.arraycopy(data, 2, p, 2 + extra.length, data.length - 2);
					data = p;
				}
				out.putNextEntry(new ZipEntry(e.getName()));
				out.write(data);
				out.closeEntry();
			}
		}
		return to;
	}

	/** Pickle opcodes: GLOBAL module.name, a one-string tuple, REDUCE, POP — "call module.name('ls')". */
	public static byte[] call(String module, String name) {
		String ops = "c" + module + "\n" + name + "\n" + "\u008c\u0002ls" + "\u0085R0";
		return ops.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
	}

	/** Pickle opcodes: {@code op} with a 4-byte little-endian length {@code length} (and no data after it). */
	public static byte[] lengthClaim(char op, int length) {
		return ByteBuffer.allocate(5).order(ByteOrder.LITTLE_ENDIAN).put((byte) op).putInt(length).array();
	}
}
