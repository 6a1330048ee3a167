package org.mvpseg.clip.io;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/** Writes tensors as a safetensors file (atomically: a temporary file renamed into place). */
public final class SafetensorsWriter {

	private SafetensorsWriter() {}

	public static void write(Path file, Map<String, RawTensor> tensors, Map<String, String> metadata)
		throws IOException
	{
		JsonObject header = new JsonObject();
		if (metadata != null && !metadata.isEmpty()) {
			JsonObject meta = new JsonObject();
			metadata.forEach(meta::addProperty);
			header.add("__metadata__", meta);
		}
		long offset = 0;
		for (RawTensor t : tensors.values()) {
			JsonObject o = new JsonObject();
			o.addProperty("dtype", t.type().name());
			JsonArray shape = new JsonArray();
			for (long d : t.shape()) shape.add(d);
			o.add("shape", shape);
			JsonArray off = new JsonArray();
			long n = t.data().capacity();
			off.add(offset);
			off.add(offset + n);
			o.add("data_offsets", off);
			header.add(t.name(), o);
			offset += n;
		}
		byte[] h = header.toString().getBytes(StandardCharsets.UTF_8);
		int pad = (8 - h.length % 8) % 8;
		Path dir = file.toAbsolutePath().getParent();
		Files.createDirectories(dir);
		Path tmp = org.mvpseg.files.AtomicFiles.tempSibling(file);
		try {
			try (OutputStream out = Files.newOutputStream(tmp)) {
				ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length + pad);
				out.write(len.array());
				out.write(h);
				for (int i = 0; i < pad; i++) out.write(' ');
				for (RawTensor t : tensors.values()) {
					ByteBuffer d = t.data().duplicate().clear();
					byte[] buf = new byte[d.remaining()];
					d.get(buf);
					out.write(buf);
				}
			}
			Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
		}
		finally {
			Files.deleteIfExists(tmp);
		}
	}

	/** An F32 tensor from Java floats. */
	public static RawTensor f32(String name, float[] values, long... shape) {
		ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
		b.asFloatBuffer().put(values);
		return new RawTensor(name, RawTensor.StorageType.F32, shape, b);
	}
}
