package org.mvpseg.features;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import org.mvpseg.files.AtomicFiles;

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
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * One image's (or one tile's) features on disk (docs/file-formats.md › Feature files): a 64-byte header, every
 * window's arrays at a fixed size, then a JSON index with the identity, the layout and each window's digest. Read
 * window by window, so a huge image's features never load whole; written to a temporary sibling and renamed into
 * place, so a killed run leaves the old file or none, never half of one. A file whose identity differs from this
 * run's (other weights, dense mode, precision) or that is damaged is not used: the run recomputes and replaces it,
 * and {@link #stats()} says why.
 */
public final class FeatureFile implements FeatureStore, AutoCloseable {

	/** How window arrays are stored: float32 (exact) or float16 (half the bytes, not exact). */
	public enum Precision {
		FP32(4), FP16(2);

		final int bytes;

		Precision(int bytes) {
			this.bytes = bytes;
		}

		public String label() {
			return name().toLowerCase(Locale.ROOT);
		}

		public static Precision parse(String s) {
			for (Precision p : values()) if (p.label().equals(s.trim().toLowerCase(Locale.ROOT))) return p;
			throw new IllegalArgumentException("feature precision must be fp32 or fp16, not \"" + s + "\"");
		}
	}

	static final byte[] MAGIC = "MVPSEGF1".getBytes(StandardCharsets.US_ASCII);
	static final int PAYLOAD = 64, VERSION = 1;
	private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

	/** The JSON index at the end of the file. */
	static final class Index {
		String format = "mvp-seg features";
		int version = VERSION;
		Map<String, String> identity;
		String dtype;
		int cells_y, cells_x, feature_width, key_width;
		long payload_offset = PAYLOAD, window_bytes;
		List<Slot> windows = new ArrayList<>();
	}

	/** A window's grid index, the digest of its pixels (16 hex digits) and its place in the payload. */
	record Slot(int index, String digest) {}

	private final Path target;
	private final Map<String, String> identity;
	private final Precision precision;
	private FileChannel old;
	private Index oldIndex;
	private final Map<Integer, Integer> oldSlots = new HashMap<>();
	private String note;
	private final Map<Integer, Long> runDigests = new HashMap<>(); // this run's windows → the digest of their pixels
	private final Map<Integer, Integer> slots = new HashMap<>(); // this run's windows → their record in the new file
	private final BitSet computedSlots = new BitSet();
	private Path temp;
	private FileChannel out;
	private Index layout;
	private int reused, computed;

	private FeatureFile(Path target, Map<String, String> identity, Precision precision) {
		this.target = target;
		this.identity = Map.copyOf(identity);
		this.precision = precision;
	}

	/**
	 * The feature file {@code file} for a run with this identity and precision: its windows are used where they
	 * match, missing or mismatching ones are computed and the file is replaced when the run {@link #commit()}s.
	 */
	public static FeatureFile open(Path file, Map<String, String> identity, Precision precision) throws IOException {
		FeatureFile f = new FeatureFile(file, identity, precision);
		if (Files.exists(file)) f.readIndex();
		return f;
	}

	/** Reads the stored index, or records why the stored file cannot be used. */
	private void readIndex() throws IOException {
		FileChannel ch = FileChannel.open(target, StandardOpenOption.READ);
		try {
			Index ix = index(ch);
			String why = mismatch(ix);
			if (why != null) {
				note = target.getFileName() + " holds features " + why + ": recomputed";
				ch.close();
				return;
			}
			old = ch;
			oldIndex = ix;
			for (int s = 0; s < ix.windows.size(); s++) oldSlots.put(ix.windows.get(s).index(), s);
		}
		catch (IOException | RuntimeException e) {
			ch.close();
			note = target.getFileName() + " is damaged (" + e.getMessage() + "): recomputed";
		}
	}

	/** The index of a feature file, checked against the file's length. */
	static Index index(FileChannel ch) throws IOException {
		ByteBuffer head = read(ch, 0, PAYLOAD);
		byte[] magic = new byte[MAGIC.length];
		head.get(magic);
		if (!java.util.Arrays.equals(magic, MAGIC)) throw new IOException("not an MVP-SEG feature file");
		long at = head.getLong(8);
		int len = head.getInt(16);
		if (at < PAYLOAD || len <= 0 || at + len != ch.size()) throw new IOException("its index does not fit the file "
			+ "(cut short?)");
		Index ix;
		try {
			ix = GSON.fromJson(StandardCharsets.UTF_8.decode(read(ch, at, len)).toString(), Index.class);
		}
		catch (JsonParseException e) {
			throw new IOException("its index is not valid JSON");
		}
		if (ix == null || ix.version != VERSION || ix.windows == null || ix.identity == null) throw new IOException(
			"unknown index version");
		if (ix.payload_offset + ix.window_bytes * ix.windows.size() != at) throw new IOException("its windows do not "
			+ "fit the file");
		return ix;
	}

	/** Null when the stored file was made the way this run makes features, else what differs. */
	private String mismatch(Index ix) {
		for (String k : new java.util.TreeSet<>(identity.keySet())) {
			String was = ix.identity.get(k), now = identity.get(k);
			if (!now.equals(was)) return "made with " + k + " " + (was == null ? "unknown" : was) + " (this run: " + now
				+ ")";
		}
		if (!precision.label().equals(ix.dtype == null ? null : ix.dtype.replace("float", "fp"))) return "stored as "
			+ ix.dtype + " (this run keeps " + precision.label() + ")";
		return null;
	}

	@Override
	public boolean has(int index, long digest, boolean keys) {
		slot(index, digest);
		Integer s = oldSlots.get(index);
		return s != null && oldIndex.windows.get(s).digest().equals(hex(digest)) && (!keys || oldIndex.key_width > 0);
	}

	/** This run's place for window {@code index}: windows in the order the run first meets them. */
	private int slot(int index, long digest) {
		runDigests.put(index, digest);
		return slots.computeIfAbsent(index, i -> slots.size());
	}

	@Override
	public WindowFeatures get(int index) throws IOException {
		Index ix = oldIndex;
		ByteBuffer b = read(old, ix.payload_offset + oldSlots.get(index) * ix.window_bytes, (int) ix.window_bytes);
		int cells = ix.cells_y * ix.cells_x;
		float[] f = decode(b, cells * ix.feature_width, precision(ix));
		float[] k = ix.key_width > 0 ? decode(b, cells * ix.key_width, precision(ix)) : null;
		reused++;
		return new WindowFeatures(ix.cells_y, ix.cells_x, f, k);
	}

	private static Precision precision(Index ix) {
		return "float16".equals(ix.dtype) ? Precision.FP16 : Precision.FP32;
	}

	@Override
	public void put(int index, long digest, WindowFeatures w) throws IOException {
		int slot = slot(index, digest);
		if (out == null) start(w);
		else if (w.h() != layout.cells_y || w.w() != layout.cells_x || w.featureWidth() != layout.feature_width || w
			.keyWidth() != layout.key_width) throw new IllegalStateException("window arrays of another size in one run");
		ByteBuffer b = ByteBuffer.allocate((int) layout.window_bytes).order(ByteOrder.LITTLE_ENDIAN);
		encode(b, w.features());
		if (w.keys() != null) encode(b, w.keys());
		write(out, b.flip(), layout.payload_offset + slot * layout.window_bytes);
		computedSlots.set(slot);
		computed++;
	}

	/** The new file's layout from its first computed window; a stored layout must agree to be merged into it. */
	private void start(WindowFeatures w) throws IOException {
		Index ix = new Index();
		ix.identity = new TreeMap<>(identity);
		ix.dtype = precision == Precision.FP16 ? "float16" : "float32";
		ix.cells_y = w.h();
		ix.cells_x = w.w();
		ix.feature_width = w.featureWidth();
		ix.key_width = w.keyWidth();
		ix.window_bytes = (long) precision.bytes * w.h() * w.w() * (ix.feature_width + ix.key_width);
		if (oldIndex != null && (oldIndex.cells_y != ix.cells_y || oldIndex.cells_x != ix.cells_x
			|| oldIndex.feature_width != ix.feature_width || oldIndex.key_width != ix.key_width)) {
			if (reused > 0) throw new IllegalStateException("stored windows of another size than computed ones");
			oldSlots.clear(); // e.g. stored without keys, now with: nothing of it is merged
		}
		layout = ix;
		temp = AtomicFiles.tempSibling(target);
		out = FileChannel.open(temp, StandardOpenOption.WRITE);
	}

	/**
	 * Puts the file in place when this run computed anything: windows it reused are copied from the stored file,
	 * then the index and the header are written and the file renamed over the old one.
	 */
	public void commit() throws IOException {
		if (out == null) return;
		Index ix = layout;
		for (Map.Entry<Integer, Long> e : runDigests.entrySet()) {
			int slot = slots.get(e.getKey());
			if (!computedSlots.get(slot)) copyStored(e.getKey(), slot);
		}
		Slot[] order = new Slot[slots.size()];
		for (Map.Entry<Integer, Integer> e : slots.entrySet()) order[e.getValue()] = new Slot(e.getKey(), hex(runDigests
			.get(e.getKey())));
		ix.windows = List.of(order);
		byte[] json = GSON.toJson(ix).getBytes(StandardCharsets.UTF_8);
		long at = ix.payload_offset + ix.window_bytes * order.length;
		write(out, ByteBuffer.wrap(json), at);
		ByteBuffer head = ByteBuffer.allocate(PAYLOAD).order(ByteOrder.LITTLE_ENDIAN).put(MAGIC).putLong(at).putInt(
			json.length);
		write(out, head.position(PAYLOAD).flip(), 0);
		out.force(true);
		out.close();
		out = null;
		closeOld();
		Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
		temp = null;
	}

	/** A reused window copied into the new file (the run computed others). */
	private void copyStored(int index, int slot) throws IOException {
		Integer s = oldSlots.get(index);
		if (s == null || !oldIndex.windows.get(s).digest().equals(hex(runDigests.get(index)))) throw new IllegalStateException(
			"window " + index + " was neither computed nor stored");
		ByteBuffer b = read(old, oldIndex.payload_offset + s * oldIndex.window_bytes, (int) oldIndex.window_bytes);
		write(out, b, layout.payload_offset + slot * layout.window_bytes);
	}

	/** The file's size once committed (or the stored one's), in bytes; 0 when there is none. */
	public long bytes() throws IOException {
		return Files.exists(target) ? Files.size(target) : 0;
	}

	public Path path() {
		return target;
	}

	public Precision precision() {
		return precision;
	}

	@Override
	public Stats stats() {
		return new Stats(reused, computed, note);
	}

	/** For summary.json: the file, its size and precision, what this run reused and computed, and why. */
	public Map<String, Object> summary() throws IOException {
		Map<String, Object> m = new java.util.LinkedHashMap<>();
		m.put("file", target.toAbsolutePath().toString());
		m.put("precision", precision.label());
		m.put("bytes", bytes());
		m.put("windows_reused", reused);
		m.put("windows_computed", computed);
		if (note != null) m.put("note", note);
		return m;
	}

	/** One line for the console: what was reused or written, where, and how large. */
	public String describe() throws IOException {
		String size = String.format(Locale.ROOT, "%.1f MB %s", bytes() / 1e6, precision.label());
		if (computed == 0) return "features: " + reused + " windows reused from " + target + " (" + size + ")";
		return "features: " + computed + " windows computed" + (reused > 0 ? ", " + reused + " reused" : "")
			+ ", written to " + target + " (" + size + ")" + (note != null ? "; " + note : "");
	}

	/** Leaves the stored file as it was when the run did not commit (it failed or was cancelled). */
	@Override
	public void close() throws IOException {
		closeOld();
		if (out != null) out.close();
		if (temp != null) Files.deleteIfExists(temp);
		out = null;
		temp = null;
	}

	private void closeOld() throws IOException {
		if (old != null) old.close();
		old = null;
	}

	static String hex(long digest) {
		return String.format("%016x", digest);
	}

	private void encode(ByteBuffer b, float[] v) {
		if (precision == Precision.FP32) b.asFloatBuffer().put(v);
		else for (int i = 0; i < v.length; i++) b.putShort(b.position() + 2 * i, Half.fromFloat(v[i]));
		b.position(b.position() + v.length * precision.bytes);
	}

	private static float[] decode(ByteBuffer b, int n, Precision p) {
		float[] v = new float[n];
		if (p == Precision.FP32) b.asFloatBuffer().get(v);
		else for (int i = 0; i < n; i++) v[i] = Half.toFloat(b.getShort(b.position() + 2 * i));
		b.position(b.position() + n * p.bytes);
		return v;
	}

	private static ByteBuffer read(FileChannel ch, long at, int n) throws IOException {
		ByteBuffer b = ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
		while (b.hasRemaining()) if (ch.read(b, at + b.position()) < 0) throw new IOException("the file ends early");
		return b.flip();
	}

	private static void write(FileChannel ch, ByteBuffer b, long at) throws IOException {
		long p = at;
		while (b.hasRemaining()) p += ch.write(b, p);
	}
}
