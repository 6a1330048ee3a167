package org.mvpseg.clip.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Opens any CLIP weight file users have — OpenAI's TorchScript archives, {@code torch.save} zip
 * files, safetensors — and returns its tensors under OpenAI's parameter names. The format is
 * recognised from the file's first bytes, not its name.
 */
public final class WeightFiles {

	private WeightFiles() {}

	public static Map<String, RawTensor> read(Path file) throws IOException {
		if (!Files.isRegularFile(file)) throw new NoSuchFileException(file.toString(), null,
			"weight file not found; give the path of a CLIP .pt or .safetensors file");
		byte[] head = new byte[16];
		int n;
		try (InputStream in = Files.newInputStream(file)) {
			n = in.readNBytes(head, 0, head.length);
		}
		Map<String, RawTensor> raw;
		if (n >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
			raw = TorchZipReader.read(file);
		}
		else if (n >= 9 && head[8] == '{') {
			raw = SafetensorsReader.read(file);
		}
		else if (n >= 1 && (head[0] & 0xff) == 0x80) {
			raw = TorchZipReader.read(file); // reports the legacy pickle format clearly
		}
		else {
			throw new WeightFormatException(file.getFileName() + " is neither a PyTorch archive (.pt) nor a "
				+ "safetensors file" + (n < 16 ? " (it is empty or truncated)" : "") + ".");
		}
		return HuggingFaceNames.toOpenAi(stripPrefixes(raw));
	}

	/** open_clip and DDP checkpoints wrap the names in {@code state_dict.} / {@code module.}. */
	static Map<String, RawTensor> stripPrefixes(Map<String, RawTensor> raw) {
		Map<String, RawTensor> out = new LinkedHashMap<>();
		for (Map.Entry<String, RawTensor> e : raw.entrySet()) {
			String k = e.getKey();
			for (String p : new String[] { "state_dict.", "model.", "module." }) {
				if (k.startsWith(p) && !raw.containsKey(k.substring(p.length()))) k = k.substring(p.length());
			}
			out.put(k, rename(e.getValue(), k));
		}
		return out;
	}

	static RawTensor rename(RawTensor t, String name) {
		return name.equals(t.name()) ? t : new RawTensor(name, t.type(), t.shape(), t.data());
	}
}
