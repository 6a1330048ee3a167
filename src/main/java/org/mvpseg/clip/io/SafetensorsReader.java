package org.mvpseg.clip.io;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads a safetensors file: an 8-byte little-endian header length, a JSON header
 * ({@code name: {dtype, shape, data_offsets}}), then raw little-endian data. Tensors are mapped,
 * not copied, until they are converted.
 */
public final class SafetensorsReader {

	private SafetensorsReader() {}

	/** The {@code __metadata__} strings of a safetensors file (empty when it has none). */
	public static Map<String, String> metadata(Path file) throws IOException {
		try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
			JsonObject h = header(ch, file);
			Map<String, String> out = new LinkedHashMap<>();
			if (h.has("__metadata__")) for (Map.Entry<String, JsonElement> e : h.getAsJsonObject("__metadata__")
				.entrySet()) out.put(e.getKey(), e.getValue().getAsString());
			return out;
		}
	}

	public static Map<String, RawTensor> read(Path file) throws IOException {
		try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
			JsonObject header = header(ch, file);
			long size = ch.size(), dataStart = 8 + headerLength(ch);
			Map<String, RawTensor> out = new LinkedHashMap<>();
			for (Map.Entry<String, JsonElement> e : header.entrySet()) {
				if (e.getKey().equals("__metadata__")) continue;
				JsonObject t = e.getValue().getAsJsonObject();
				RawTensor.StorageType type = storageType(t.get("dtype").getAsString(), e.getKey(), file);
				var shapeJson = t.getAsJsonArray("shape");
				long[] shape = new long[shapeJson.size()];
				for (int i = 0; i < shape.length; i++) shape[i] = shapeJson.get(i).getAsLong();
				var off = t.getAsJsonArray("data_offsets");
				long begin = off.get(0).getAsLong(), end = off.get(1).getAsLong();
				long numel = 1;
				for (long d : shape) numel *= d;
				if (end - begin != numel * type.bytes) {
					throw new WeightFormatException("Tensor " + e.getKey() + " in " + file.getFileName() + " has "
						+ (end - begin) + " bytes but its shape needs " + numel * type.bytes + "; the file is damaged.");
				}
				if (dataStart + end > size) {
					throw new WeightFormatException(file.getFileName() + " is truncated: tensor " + e.getKey()
						+ " ends at byte " + (dataStart + end) + " but the file has " + size + " bytes. Download it again.");
				}
				ByteBuffer data = ch.map(FileChannel.MapMode.READ_ONLY, dataStart + begin, end - begin);
				out.put(e.getKey(), new RawTensor(e.getKey(), type, shape, data));
			}
			return out;
		}
	}

	private static long headerLength(FileChannel ch) throws IOException {
		ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
		ch.read(lenBuf, 0);
		return lenBuf.getLong(0);
	}

	/** The JSON header, or a one-line error for an empty, truncated or foreign file. */
	private static JsonObject header(FileChannel ch, Path file) throws IOException {
		long size = ch.size();
		if (size < 8) throw new WeightFormatException(file.getFileName() + " is empty or truncated (" + size
			+ " bytes); download it again.");
		long headerLen = headerLength(ch);
		if (headerLen <= 0 || headerLen > 100_000_000 || 8 + headerLen > size) {
			throw new WeightFormatException(file.getFileName() + " is not a valid safetensors file (header length "
				+ headerLen + " for a file of " + size + " bytes); it may be truncated: download it again.");
		}
		ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
		ch.read(hb, 8);
		try {
			return JsonParser.parseString(new String(hb.array(), StandardCharsets.UTF_8)).getAsJsonObject();
		}
		catch (RuntimeException e) {
			throw new WeightFormatException(file.getFileName() + " has an unreadable safetensors header; it is "
				+ "damaged or not a safetensors file.");
		}
	}

	private static RawTensor.StorageType storageType(String dtype, String name, Path file)
		throws WeightFormatException
	{
		return switch (dtype) {
			case "F32" -> RawTensor.StorageType.F32;
			case "F16" -> RawTensor.StorageType.F16;
			case "BF16" -> RawTensor.StorageType.BF16;
			case "F64" -> RawTensor.StorageType.F64;
			case "I64" -> RawTensor.StorageType.I64;
			case "I32" -> RawTensor.StorageType.I32;
			case "I16" -> RawTensor.StorageType.I16;
			case "I8" -> RawTensor.StorageType.I8;
			case "U8" -> RawTensor.StorageType.U8;
			case "BOOL" -> RawTensor.StorageType.BOOL;
			default -> throw new WeightFormatException("Tensor " + name + " in " + file.getFileName()
				+ " has unsupported dtype " + dtype + "; convert the file to F32, F16 or BF16.");
		};
	}
}
