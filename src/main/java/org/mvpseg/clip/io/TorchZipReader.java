package org.mvpseg.clip.io;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Reads every tensor of a PyTorch zip archive — OpenAI's TorchScript releases ({@code ViT-B-16.pt},
 * {@code RN50.pt}) and ordinary {@code torch.save} files — without Python and without running any
 * TorchScript code. {@code <root>/data.pkl} is unpickled with a small interpreter for the opcodes
 * these files use; a tensor there is {@code _rebuild_tensor_v2(persistent_id(storage), offset,
 * shape, stride, …)} and its bytes are the entry {@code <root>/data/<key>}. Parameters and buffers
 * (BatchNorm running statistics) both come out, named by their module path.
 */
public final class TorchZipReader {

	private TorchZipReader() {}

	public static Map<String, RawTensor> read(Path file) throws IOException {
		ZipFile zip;
		try {
			zip = new ZipFile(file.toFile());
		}
		catch (ZipException e) {
			if (startsWithPickle(file)) {
				throw new WeightFormatException(file.getFileName() + " is a legacy (non-zip) pickled PyTorch file, "
					+ "which cannot be read safely. Re-save it with torch.save(state_dict, path) from PyTorch >= 1.6 "
					+ "or convert it to safetensors.");
			}
			throw new WeightFormatException(file.getFileName() + " is not a complete zip archive (" + e.getMessage()
				+ "); the file is truncated or damaged: download it again.");
		}
		try (zip) {
			ZipEntry pkl = null;
			for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements();) {
				ZipEntry e = en.nextElement();
				String n = e.getName();
				if (n.endsWith("/data.pkl") && n.indexOf('/') == n.length() - "/data.pkl".length()) pkl = e;
			}
			if (pkl == null) throw new WeightFormatException(file.getFileName()
				+ " is a zip file without data.pkl: not a PyTorch archive.");
			String root = pkl.getName().substring(0, pkl.getName().length() - "data.pkl".length());
			Object top;
			try (InputStream in = zip.getInputStream(pkl)) {
				top = new Unpickler(in.readAllBytes()).load();
			}
			catch (WeightFormatException e) {
				throw new WeightFormatException(file.getFileName() + ": " + e.getMessage(), e);
			}
			Map<String, TensorRef> refs = new LinkedHashMap<>();
			flatten(top, "", refs, Collections.newSetFromMap(new IdentityHashMap<>()), 0);
			if (refs.isEmpty()) throw new WeightFormatException(file.getFileName() + " holds no tensors.");
			Map<String, ByteBuffer> storages = new HashMap<>();
			Map<String, RawTensor> out = new LinkedHashMap<>();
			for (Map.Entry<String, TensorRef> e : refs.entrySet()) {
				TensorRef t = e.getValue();
				ByteBuffer storage = storages.get(t.storage.key);
				if (storage == null) {
					ZipEntry se = zip.getEntry(root + "data/" + t.storage.key);
					if (se == null) throw new WeightFormatException(file.getFileName() + " lacks the data of tensor "
						+ e.getKey() + " (entry " + root + "data/" + t.storage.key + "); the file is damaged.");
					try (InputStream in = zip.getInputStream(se)) {
						storage = ByteBuffer.wrap(in.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
					}
					catch (ZipException | EOFException ex) {
						throw new WeightFormatException(file.getFileName() + " is damaged (" + ex.getMessage()
							+ "); download it again.");
					}
					storages.put(t.storage.key, storage);
				}
				out.put(e.getKey(), materialize(e.getKey(), t, storage, file));
			}
			return out;
		}
	}

	private static boolean startsWithPickle(Path file) {
		try (InputStream in = java.nio.file.Files.newInputStream(file)) {
			int b = in.read();
			return b == 0x80;
		}
		catch (IOException e) {
			return false;
		}
	}

	private static RawTensor materialize(String name, TensorRef t, ByteBuffer storage, Path file)
		throws WeightFormatException
	{
		int es = t.storage.type.bytes;
		long numel = 1;
		for (long d : t.shape) numel *= d;
		boolean contiguous = true;
		long expect = 1;
		for (int i = t.shape.length - 1; i >= 0; i--) {
			if (t.shape[i] != 1 && t.stride[i] != expect) contiguous = false;
			expect *= t.shape[i];
		}
		long maxIndex = t.offset;
		for (int i = 0; i < t.shape.length; i++) if (t.shape[i] > 0) maxIndex += (t.shape[i] - 1) * t.stride[i];
		if (numel > 0 && (maxIndex + 1) * es > storage.capacity()) {
			throw new WeightFormatException("Tensor " + name + " in " + file.getFileName()
				+ " reaches past the end of its storage; the file is damaged: download it again.");
		}
		ByteBuffer data;
		if (contiguous) {
			data = storage.duplicate().position((int) (t.offset * es)).limit((int) ((t.offset + numel) * es)).slice();
		}
		else { // gather a strided view into a contiguous copy
			byte[] dst = new byte[(int) (numel * es)];
			long[] idx = new long[t.shape.length];
			for (long n = 0; n < numel; n++) {
				long src = t.offset;
				for (int i = 0; i < idx.length; i++) src += idx[i] * t.stride[i];
				storage.duplicate().position((int) (src * es)).get(dst, (int) (n * es), es);
				for (int i = idx.length - 1; i >= 0; i--) {
					if (++idx[i] < t.shape[i]) break;
					idx[i] = 0;
				}
			}
			data = ByteBuffer.wrap(dst);
		}
		return new RawTensor(name, t.storage.type, t.shape, data);
	}

	/** Walks modules and dicts; {@code _parameters}, {@code _buffers}, {@code _modules} add no name part. */
	private static void flatten(Object o, String prefix, Map<String, TensorRef> out, Set<Object> seen, int depth) {
		if (o == null || depth > 64 || !seen.add(o)) return;
		if (o instanceof TensorRef t) {
			if (!prefix.isEmpty()) out.putIfAbsent(prefix.substring(0, prefix.length() - 1), t);
		}
		else if (o instanceof PyObject p) {
			flatten(p.state, prefix, out, seen, depth + 1);
		}
		else if (o instanceof Map<?, ?> m) {
			for (Map.Entry<?, ?> e : m.entrySet()) {
				if (!(e.getKey() instanceof String k)) continue;
				boolean container = k.equals("_parameters") || k.equals("_buffers") || k.equals("_modules");
				flatten(e.getValue(), container ? prefix : prefix + k + ".", out, seen, depth + 1);
			}
		}
		else if (o instanceof List<?> l && o instanceof ArrayList<?>) {
			for (int i = 0; i < l.size(); i++) flatten(l.get(i), prefix + i + ".", out, seen, depth + 1);
		}
	}

	record Global(String module, String name) {
		String qualified() {
			return module + "." + name;
		}
	}

	record StorageRef(RawTensor.StorageType type, String key) {}

	record TensorRef(StorageRef storage, long offset, long[] shape, long[] stride) {}

	/** An instance of a class we do not model: its BUILD state is kept for flattening. */
	static final class PyObject {
		final Global type;
		Object state;

		PyObject(Global type) {
			this.type = type;
		}
	}

	/** Tuples are immutable lists; lists are ArrayLists (so flatten can tell them apart). */
	private static List<Object> tuple(List<Object> items) {
		return Collections.unmodifiableList(new ArrayList<>(items));
	}

	/** The pickle opcodes that torch.save and TorchScript archives use (protocols 2–4). */
	static final class Unpickler {
		private static final Object MARK = new Object();
		private final DataInputStream in;
		private final List<Object> stack = new ArrayList<>();
		private final Map<Integer, Object> memo = new HashMap<>();

		Unpickler(byte[] bytes) {
			this.in = new DataInputStream(new java.io.ByteArrayInputStream(bytes));
		}

		Object load() throws IOException {
			try {
				for (int op = in.readUnsignedByte(); op != '.'; op = in.readUnsignedByte()) { // '.' = STOP
					if (!value(op) && !structure(op)) throw new WeightFormatException(String.format(
						"unsupported pickle opcode 0x%02x in data.pkl", op));
				}
				return pop();
			}
			catch (EOFException e) {
				throw new WeightFormatException("data.pkl ends early; the file is damaged: download it again.");
			}
			catch (ClassCastException | IndexOutOfBoundsException | NullPointerException e) {
				throw new WeightFormatException("data.pkl has a structure this reader does not understand ("
					+ e.getClass().getSimpleName() + "); convert the weights to safetensors.");
			}
		}

		/** Opcodes that push a value (constants, numbers, strings, globals) or touch the memo. */
		private boolean value(int op) throws IOException {
			switch (op) {
				case 0x80 -> in.readUnsignedByte(); // PROTO
				case 0x95 -> le(8); // FRAME
				case '(' -> stack.add(MARK);
				case ')' -> stack.add(tuple(List.of()));
				case '}' -> stack.add(new LinkedHashMap<>());
				case ']' -> stack.add(new ArrayList<>());
				case 0x8f -> stack.add(new ArrayList<>()); // EMPTY_SET (as a list)
				case 'N' -> stack.add(null);
				case 0x88 -> stack.add(Boolean.TRUE);
				case 0x89 -> stack.add(Boolean.FALSE);
				case 'J' -> stack.add((long) (int) le(4));
				case 'K' -> stack.add((long) in.readUnsignedByte());
				case 'M' -> stack.add(le(2));
				case 0x8a -> stack.add(longN(in.readUnsignedByte())); // LONG1
				case 0x8b -> stack.add(longN((int) le(4))); // LONG4 (a signed length; bytes() refuses a negative one)
				case 'G' -> stack.add(in.readDouble()); // BINFLOAT (big-endian)
				case 'X' -> stack.add(utf8(le(4))); // BINUNICODE
				case 0x8c -> stack.add(utf8(in.readUnsignedByte())); // SHORT_BINUNICODE
				case 0x8d -> stack.add(utf8(le(8))); // BINUNICODE8
				case 'T' -> stack.add(bytes((int) le(4))); // BINSTRING: a signed length
				case 'U' -> stack.add(bytes(in.readUnsignedByte())); // SHORT_BINSTRING
				case 'B' -> stack.add(bytes(le(4))); // BINBYTES
				case 'C' -> stack.add(bytes(in.readUnsignedByte())); // SHORT_BINBYTES
				case 'c' -> stack.add(allowed(new Global(line(), line()))); // GLOBAL
				case 0x93 -> { // STACK_GLOBAL
					String name = (String) pop();
					stack.add(allowed(new Global((String) pop(), name)));
				}
				case 'q' -> memo.put(in.readUnsignedByte(), peek());
				case 'r' -> memo.put((int) le(4), peek());
				case 0x94 -> memo.put(memo.size(), peek()); // MEMOIZE
				case 'h' -> stack.add(memoGet(in.readUnsignedByte()));
				case 'j' -> stack.add(memoGet((int) le(4)));
				default -> {
					return false;
				}
			}
			return true;
		}

		/** Opcodes that build tuples, lists, dicts and objects from the stack. */
		private boolean structure(int op) throws IOException {
			switch (op) {
				case 't' -> stack.add(tuple(popMark()));
				case 0x85 -> stack.add(tuple(java.util.Arrays.asList(pop())));
				case 0x86 -> {
					Object b = pop(), a = pop();
					stack.add(tuple(java.util.Arrays.asList(a, b)));
				}
				case 0x87 -> {
					Object c = pop(), b = pop(), a = pop();
					stack.add(tuple(java.util.Arrays.asList(a, b, c)));
				}
				case 'a' -> {
					Object v = pop();
					list(peek()).add(v);
				}
				case 'e' -> {
					List<Object> items = popMark();
					list(peek()).addAll(items);
				}
				case 0x90 -> { // ADDITEMS
					List<Object> items = popMark();
					list(peek()).addAll(items);
				}
				case 's' -> {
					Object v = pop(), k = pop();
					map(peek()).put(k, v);
				}
				case 'u' -> {
					List<Object> items = popMark();
					Map<Object, Object> m = map(peek());
					for (int i = 0; i + 1 < items.size(); i += 2) m.put(items.get(i), items.get(i + 1));
				}
				case 'Q' -> stack.add(persistent(pop())); // BINPERSID
				case 'R' -> { // REDUCE
					Object args = pop();
					stack.add(reduce(pop(), (List<?>) args));
				}
				case 0x81 -> { // NEWOBJ
					pop();
					stack.add(newObject(pop()));
				}
				case 0x92 -> { // NEWOBJ_EX
					pop();
					pop();
					stack.add(newObject(pop()));
				}
				case 'b' -> { // BUILD
					Object state = pop();
					if (peek() instanceof PyObject p) p.state = state;
				}
				case '0' -> pop(); // POP
				case '1' -> popMark(); // POP_MARK
				case '2' -> stack.add(peek()); // DUP
				default -> {
					return false;
				}
			}
			return true;
		}

		private Object persistent(Object pid) throws WeightFormatException {
			List<?> t = (List<?>) pid;
			if (t.size() < 3 || !"storage".equals(t.get(0))) throw new WeightFormatException(
				"data.pkl has an unknown persistent id " + t);
			Global g = (Global) t.get(1);
			return new StorageRef(storageType(g), String.valueOf(t.get(2)));
		}

		private static RawTensor.StorageType storageType(Global g) throws WeightFormatException {
			return switch (g.name) {
				case "FloatStorage" -> RawTensor.StorageType.F32;
				case "HalfStorage" -> RawTensor.StorageType.F16;
				case "BFloat16Storage" -> RawTensor.StorageType.BF16;
				case "DoubleStorage" -> RawTensor.StorageType.F64;
				case "LongStorage" -> RawTensor.StorageType.I64;
				case "IntStorage" -> RawTensor.StorageType.I32;
				case "ShortStorage" -> RawTensor.StorageType.I16;
				case "CharStorage" -> RawTensor.StorageType.I8;
				case "ByteStorage" -> RawTensor.StorageType.U8;
				case "BoolStorage" -> RawTensor.StorageType.BOOL;
				default -> throw new WeightFormatException("unsupported tensor storage " + g.qualified()
					+ "; convert the weights to safetensors (F32/F16/BF16).");
			};
		}

		private Object reduce(Object callable, List<?> args) {
			if (callable instanceof Global g) {
				switch (g.qualified()) {
					case "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor" -> {
						return new TensorRef((StorageRef) args.get(0), ((Number) args.get(1)).longValue(),
							longs((List<?>) args.get(2)), longs((List<?>) args.get(3)));
					}
					case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state" -> {
						return args.get(0);
					}
					case "collections.OrderedDict", "builtins.dict" -> {
						return new LinkedHashMap<>();
					}
					default -> {
						PyObject p = new PyObject(g);
						p.state = new ArrayList<>(args); // keep tensors reachable inside unknown calls
						return p;
					}
				}
			}
			return new PyObject(new Global("?", "?"));
		}

		private static Object newObject(Object cls) {
			if (cls instanceof Global g && g.qualified().equals("collections.OrderedDict")) return new LinkedHashMap<>();
			return new PyObject(cls instanceof Global g ? g : new Global("?", "?"));
		}

		private static long[] longs(List<?> l) {
			long[] a = new long[l.size()];
			for (int i = 0; i < a.length; i++) a[i] = ((Number) l.get(i)).longValue();
			return a;
		}

		@SuppressWarnings("unchecked")
		private static List<Object> list(Object o) {
			return (List<Object>) o;
		}

		@SuppressWarnings("unchecked")
		private static Map<Object, Object> map(Object o) {
			return (Map<Object, Object>) o;
		}

		private Object memoGet(int i) throws WeightFormatException {
			if (!memo.containsKey(i)) throw new WeightFormatException("data.pkl refers to a missing memo entry " + i);
			return memo.get(i);
		}

		private Object pop() {
			return stack.remove(stack.size() - 1);
		}

		private Object peek() {
			return stack.get(stack.size() - 1);
		}

		private List<Object> popMark() {
			int m = stack.size() - 1;
			while (stack.get(m) != MARK) m--;
			List<Object> items = new ArrayList<>(stack.subList(m + 1, stack.size()));
			stack.subList(m, stack.size()).clear();
			return items;
		}

		private long le(int n) throws IOException {
			long v = 0;
			for (int i = 0; i < n; i++) v |= (long) in.readUnsignedByte() << (8 * i);
			return v;
		}

		private long longN(int n) throws IOException {
			if (n == 0) return 0;
			byte[] b = new byte[n];
			in.readFully(b);
			long v = 0;
			for (int i = n - 1; i >= 0; i--) v = (v << 8) | (b[i] & 0xff);
			if (n < 8 && (b[n - 1] & 0x80) != 0) v -= 1L << (8 * n); // sign-extend
			return v;
		}

		private String utf8(long n) throws IOException {
			return new String(bytes(n), StandardCharsets.UTF_8);
		}

		/** {@code n} bytes; a length beyond what is left (or negative) is damage, never an allocation of it. */
		private byte[] bytes(long n) throws IOException {
			if (n < 0 || n > in.available()) throw new WeightFormatException("data.pkl claims a value of " + n + " bytes "
				+ "where " + in.available() + " are left; the file is damaged.");
			byte[] b = new byte[(int) n];
			in.readFully(b);
			return b;
		}

		/**
		 * Weights need torch's classes and functions, OrderedDict and a few plain types, nothing else. A pickle naming
		 * another global ({@code posix.system}, {@code builtins.eval}) is refused: this reader never calls one, but
		 * PyTorch would if the file were loaded there, so such a file is not plain weights.
		 */
		private static Global allowed(Global g) throws WeightFormatException {
			String m = g.module();
			boolean ok = m.equals("torch") || m.startsWith("torch.") || m.startsWith("__torch__") || g.qualified().equals(
				"collections.OrderedDict") || m.equals("builtins") && PLAIN_TYPES.contains(g.name());
			if (!ok) throw new WeightFormatException("data.pkl refers to " + g.qualified() + ", which weight files never "
				+ "need (loaded with PyTorch it could run code); the file is refused. Use weights from their publisher, or "
				+ "convert trusted ones to safetensors.");
			return g;
		}

		private static final Set<String> PLAIN_TYPES = Set.of("dict", "list", "tuple", "set", "frozenset", "int",
			"float", "bool", "str", "bytes", "bytearray", "complex", "slice");

		private String line() throws IOException {
			StringBuilder sb = new StringBuilder();
			for (int c; (c = in.readUnsignedByte()) != '\n';) sb.append((char) c);
			return sb.toString();
		}
	}
}
