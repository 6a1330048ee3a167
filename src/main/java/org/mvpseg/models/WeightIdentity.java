package org.mvpseg.models;

import org.mvpseg.clip.io.RawTensor;
import org.mvpseg.clip.io.WeightFiles;
import org.mvpseg.files.AtomicFiles;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * Identifies CLIP weights by their tensors, not by the file's bytes: the same weights saved as a
 * TorchScript archive or as safetensors (or under Hugging Face's names) are one identity; an F16 and
 * an F32 copy are two. SHA-256 over every tensor in name order (OpenAI's names): name, storage type,
 * shape, then the data as stored (little-endian). Computing it reads the whole file, so the result is
 * remembered in the model cache ({@code identities/}), keyed by the file's path, size and time —
 * never beside the weights, whose folder may be read-only.
 */
public final class WeightIdentity {

	/** The version of this recipe, stored by prompt sets beside the identity. */
	public static final String RECIPE = "tensors-sha256-v1";

	private WeightIdentity() {}

	public static String of(Path weights, ModelCache cache) throws IOException {
		Path remembered = cache.dir().resolve("identities").resolve(key(weights) + ".txt");
		if (Files.isRegularFile(remembered)) return Files.readString(remembered).strip();
		String id = compute(weights);
		try {
			Path tmp = AtomicFiles.tempSibling(remembered);
			Files.writeString(tmp, id + "\n");
			Files.move(tmp, remembered, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
		}
		catch (IOException e) {
			// a cache that cannot be written only costs recomputing next time
		}
		return id;
	}

	/** The identity itself, without the cache. */
	public static String compute(Path weights) throws IOException {
		MessageDigest md = sha256();
		for (Map.Entry<String, RawTensor> e : new TreeMap<>(WeightFiles.read(weights)).entrySet()) {
			RawTensor t = e.getValue();
			md.update((e.getKey() + "\0" + t.type() + "\0" + java.util.Arrays.toString(t.shape()) + "\0").getBytes(
				StandardCharsets.UTF_8));
			ByteBuffer data = t.data().duplicate();
			long bytes = t.numel() * t.type().bytes;
			if (data.remaining() < bytes) throw new IOException(e.getKey() + " holds fewer bytes than its shape needs.");
			md.update(data.limit(data.position() + (int) bytes));
		}
		return HexFormat.of().formatHex(md.digest());
	}

	private static String key(Path weights) throws IOException {
		Path p = weights.toAbsolutePath().normalize();
		String stamp = p + "\0" + Files.size(p) + "\0" + Files.getLastModifiedTime(p).toMillis();
		return HexFormat.of().formatHex(sha256().digest(stamp.getBytes(StandardCharsets.UTF_8)));
	}

	private static MessageDigest sha256() {
		try {
			return MessageDigest.getInstance("SHA-256");
		}
		catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
	}
}
