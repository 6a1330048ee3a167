package org.mvpseg.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.mvpseg.files.AtomicFiles;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntConsumer;
import java.util.zip.CRC32;

/**
 * Class-name embeddings as MaskCLIP's zero-shot classifier uses them (docs/formulas.md §4): every template filled
 * with the name, encoded, L2-normalised, averaged, normalised again. The text tower is the slow part, so each one
 * is kept: in memory while its model is loaded (the {@link ClipModel} owns this cache and clears it when closed),
 * and on disk when the caller gives a folder and the weights' identity ({@link Disk}; docs/file-formats.md).
 * Keys are exact: the template list's SHA-256 and the name; on disk also the weights' identity and the compute type.
 * Safe to share between threads (two threads may both compute a missing name; they get equal values).
 */
public final class TextEmbeddings {

	/** Sentences per text-tower call: bounds the memory of long class lists (24 names of 85 templates). */
	private static final int SENTENCES_PER_CALL = 2048;
	private static final byte[] MAGIC = "MVPTEXT1".getBytes(StandardCharsets.US_ASCII);

	/** Where embeddings are kept between processes: a folder, and an identity that changes with the weights. */
	public record Disk(Path dir, String weightsIdentity) {}

	private record Key(String templates, String name) {}

	private final ClipModel model;
	private final Map<Key, float[]> memory = new ConcurrentHashMap<>();

	TextEmbeddings(ClipModel model) {
		this.model = model;
	}

	/**
	 * The embedding of each name, [names][E], from memory, else from {@code disk}, else computed (all missing names
	 * together, then kept in memory and on disk).
	 *
	 * @param disk the on-disk cache, or null for memory only
	 * @param done told how many names are ready, after each batch (it may throw to cancel)
	 */
	public float[][] of(List<String> templates, List<String> names, Disk disk, IntConsumer done) {
		String t = sha256(templates);
		float[][] out = new float[names.size()][];
		List<Integer> missing = new ArrayList<>();
		for (int i = 0; i < names.size(); i++) {
			Key k = new Key(t, names.get(i));
			out[i] = memory.get(k);
			if (out[i] == null && disk != null) {
				out[i] = read(file(disk, t, k.name()), diskKey(disk, t, k.name()));
				if (out[i] != null) memory.put(k, out[i]);
			}
			if (out[i] == null) missing.add(i);
		}
		int ready = names.size() - missing.size(), step = Math.max(1, SENTENCES_PER_CALL / Math.max(1, templates.size()));
		done.accept(ready);
		for (int from = 0; from < missing.size(); from += step) {
			List<Integer> batch = missing.subList(from, Math.min(missing.size(), from + step));
			List<String> batchNames = new ArrayList<>();
			for (int i : batch) batchNames.add(names.get(i));
			float[][] computed = compute(templates, batchNames);
			for (int j = 0; j < batch.size(); j++) {
				String name = batchNames.get(j);
				out[batch.get(j)] = computed[j];
				memory.put(new Key(t, name), computed[j]);
				if (disk != null) write(file(disk, t, name), diskKey(disk, t, name), computed[j]);
			}
			done.accept(ready += batch.size());
		}
		return out;
	}

	/** Per name: its sentences' features L2-normalised, averaged over the templates, normalised again. */
	private float[][] compute(List<String> templates, List<String> names) {
		try (NDManager m = model.newScratchManager()) {
			NDArray f = model.encodeFilled(m, templates, names); // [C·T, E]
			long e = f.getShape().get(1);
			f = f.div(f.norm(new int[] { 1 }, true)).reshape(names.size(), templates.size(), e).mean(new int[] { 1 });
			f = f.div(f.norm(new int[] { 1 }, true));
			float[] flat = f.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
			float[][] out = new float[names.size()][];
			for (int c = 0; c < out.length; c++) out[c] = java.util.Arrays.copyOfRange(flat, (int) (c * e), (int) ((c + 1)
				* e));
			return out;
		}
	}

	/** Forgets every embedding kept in memory (the model is being closed). */
	void clear() {
		memory.clear();
	}

	/** Embeddings in memory. */
	public int size() {
		return memory.size();
	}

	/** SHA-256 of the exact template list (each template's length and UTF-8 bytes, in order), hex. */
	public static String sha256(List<String> templates) {
		MessageDigest md = digest();
		md.update(ByteBuffer.allocate(4).putInt(templates.size()).array());
		for (String t : templates) {
			byte[] b = t.getBytes(StandardCharsets.UTF_8);
			md.update(ByteBuffer.allocate(4).putInt(b.length).array());
			md.update(b);
		}
		return HexFormat.of().formatHex(md.digest());
	}

	/** Everything an embedding depends on, as stored in its file and compared on reading. */
	private String diskKey(Disk disk, String templates, String name) {
		return "weights=" + disk.weightsIdentity() + "\ntype=" + model.dataType() + "\ntemplates=" + templates
			+ "\nname=" + name;
	}

	private Path file(Disk disk, String templates, String name) {
		byte[] h = digest().digest(diskKey(disk, templates, name).getBytes(StandardCharsets.UTF_8));
		return disk.dir().resolve(HexFormat.of().formatHex(h) + ".emb");
	}

	/**
	 * The embedding stored in {@code f} for {@code key}, or null when there is none or it is not intact (any
	 * damage, another key, another dimension: it is then computed and written again).
	 */
	private float[] read(Path f, String key) {
		try {
			if (!Files.isRegularFile(f) || Files.size(f) > 1 << 20) return null;
			ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
			byte[] magic = new byte[MAGIC.length];
			byte[] k = key.getBytes(StandardCharsets.UTF_8);
			b.get(magic);
			if (!java.util.Arrays.equals(magic, MAGIC) || b.getInt() != k.length) return null;
			byte[] stored = new byte[k.length];
			b.get(stored);
			int e = b.getInt();
			if (!java.util.Arrays.equals(stored, k) || e != model.config().embedDim() || b.remaining() != 4L * e + 4)
				return null;
			float[] v = new float[e];
			for (int i = 0; i < e; i++) v[i] = b.getFloat();
			CRC32 crc = new CRC32();
			crc.update(b.array(), 0, b.position());
			return (int) crc.getValue() == b.getInt() ? v : null;
		}
		catch (IOException | RuntimeException e) { // unreadable or truncated: computed again
			return null;
		}
	}

	/** Writes under a temporary name, then renames: a reader never sees half a file. A failure only costs time. */
	private static void write(Path f, String key, float[] v) {
		byte[] k = key.getBytes(StandardCharsets.UTF_8);
		ByteBuffer b = ByteBuffer.allocate(MAGIC.length + 8 + k.length + 4 * v.length + 4).order(ByteOrder.LITTLE_ENDIAN);
		b.put(MAGIC).putInt(k.length).put(k).putInt(v.length);
		for (float x : v) b.putFloat(x);
		CRC32 crc = new CRC32();
		crc.update(b.array(), 0, b.position());
		b.putInt((int) crc.getValue());
		try {
			Path tmp = AtomicFiles.tempSibling(f);
			try {
				Files.write(tmp, b.array());
				Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
			}
			finally {
				Files.deleteIfExists(tmp);
			}
		}
		catch (IOException e) {
			// a cache that cannot be written is computed again next time
		}
	}

	private static MessageDigest digest() {
		try {
			return MessageDigest.getInstance("SHA-256");
		}
		catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
	}
}
