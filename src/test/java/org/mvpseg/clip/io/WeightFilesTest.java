package org.mvpseg.clip.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvpseg.TestFiles;
import org.mvpseg.clip.ClipModel;
import org.mvpseg.clip.ReferenceCheck;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

class WeightFilesTest {

	@TempDir
	Path tmp;

	private static final Path VIT = TestFiles.fixture("clip-vit-tiny");
	private static final Path RN = TestFiles.fixture("clip-rn-tiny");

	private static Map<String, Double> check(Path weights, Path fixture) throws IOException {
		try (NDManager m = NDManager.newBaseManager(); ClipModel clip = ClipModel.load(weights, m)) {
			return new ReferenceCheck(fixture.resolve("expected.json")).run(clip, m);
		}
	}

	private static void assertWithin(Map<String, Double> err, double tol) {
		assertEquals(ReferenceCheck.FIELDS.length, err.size());
		err.forEach((k, v) -> assertTrue(v <= tol, k + " error " + v + " > " + tol));
	}

	/** Rewrites a fixture with every float tensor converted, then loads the copy. */
	private Path rewrite(Path src, String name, Function<RawTensor, RawTensor> f) throws IOException {
		Map<String, RawTensor> out = new LinkedHashMap<>();
		for (RawTensor t : WeightFiles.read(src).values()) {
			RawTensor c = f.apply(t);
			if (c != null) out.put(c.name(), c);
		}
		Path p = tmp.resolve(name);
		SafetensorsWriter.write(p, out, Map.of("format", "pt"));
		return p;
	}

	private static RawTensor toF32(RawTensor t) {
		return SafetensorsWriter.f32(t.name(), t.toFloats(), t.shape());
	}

	private static RawTensor toBf16(RawTensor t) {
		float[] v = t.toFloats();
		ByteBuffer b = ByteBuffer.allocate(v.length * 2).order(ByteOrder.LITTLE_ENDIAN);
		for (float f : v) {
			int bits = Float.floatToRawIntBits(f);
			bits += 0x7fff + ((bits >>> 16) & 1); // round to nearest even
			b.putShort((short) (bits >>> 16));
		}
		return new RawTensor(t.name(), RawTensor.StorageType.BF16, t.shape(), b.flip());
	}

	@Test
	void float32SafetensorsMatchReference() throws IOException {
		assertWithin(check(rewrite(VIT.resolve("clip.safetensors"), "f32.safetensors", WeightFilesTest::toF32), VIT),
			1e-4);
		assertWithin(check(rewrite(RN.resolve("clip.pt"), "rn-f32.safetensors", WeightFilesTest::toF32), RN), 1e-4);
	}

	@Test
	void bf16IsWidenedInJavaAndNeverCrashesTheJvm() throws IOException {
		Path bf = rewrite(VIT.resolve("clip.safetensors"), "bf16.safetensors", WeightFilesTest::toBf16);
		Map<String, RawTensor> read = SafetensorsReader.read(bf);
		assertEquals(RawTensor.StorageType.BF16, read.get("visual.proj").type());
		// BF16 keeps 8 bits of mantissa: the model still runs and agrees with fp32 to bf16 precision.
		Map<String, Double> err = check(bf, VIT);
		assertEquals(ReferenceCheck.FIELDS.length, err.size());
		err.forEach((k, v) -> assertTrue(v < 0.25 && !v.isNaN(), k + " error " + v));
		assertTrue(err.get("logits_per_image") > 1e-6, "bf16 rounding should be visible");
	}

	@Test
	void bf16AndF16DecodeExactly() {
		ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
		b.putShort((short) 0x3f80).putShort((short) 0xc040).putShort((short) 0x7f80).putShort((short) 0x0001);
		float[] v = new RawTensor("x", RawTensor.StorageType.BF16, new long[] { 4 }, b.flip()).toFloats();
		assertEquals(1f, v[0]);
		assertEquals(-3f, v[1]);
		assertEquals(Float.POSITIVE_INFINITY, v[2]);
		assertEquals(Float.intBitsToFloat(0x00010000), v[3]);
		assertEquals(1f, RawTensor.halfToFloat((short) 0x3c00));
		assertEquals(-2f, RawTensor.halfToFloat((short) 0xc000));
		assertEquals(65504f, RawTensor.halfToFloat((short) 0x7bff));
		assertEquals(0x1p-24f, RawTensor.halfToFloat((short) 0x0001));
		assertTrue(Float.isNaN(RawTensor.halfToFloat((short) 0x7e00)));
	}

	/** OpenAI → Hugging Face, the inverse of the documented mapping (what transformers' converter writes). */
	private static RawTensor toHuggingFace(RawTensor t) {
		String n = t.name();
		String prefix = n.startsWith("visual.") ? "vision_model." : "text_model.";
		String s = n.startsWith("visual.") ? n.substring(7) : n;
		if (s.startsWith("transformer.resblocks.")) {
			String rest = s.substring("transformer.resblocks.".length());
			int dot = rest.indexOf('.');
			String layer = rest.substring(0, dot), p = rest.substring(dot + 1);
			String base = prefix + "encoder.layers." + layer + ".";
			if (p.startsWith("attn.in_proj_")) return null; // split below, in splitQkv
			p = p.replace("attn.out_proj.", "self_attn.out_proj.").replace("ln_1.", "layer_norm1.")
				.replace("ln_2.", "layer_norm2.").replace("mlp.c_fc.", "mlp.fc1.").replace("mlp.c_proj.", "mlp.fc2.");
			return WeightFiles.rename(t, base + p);
		}
		return switch (n) {
			case "token_embedding.weight" -> WeightFiles.rename(t, "text_model.embeddings.token_embedding.weight");
			case "positional_embedding" -> WeightFiles.rename(t, "text_model.embeddings.position_embedding.weight");
			case "ln_final.weight" -> WeightFiles.rename(t, "text_model.final_layer_norm.weight");
			case "ln_final.bias" -> WeightFiles.rename(t, "text_model.final_layer_norm.bias");
			case "text_projection" -> transposed(t, "text_projection.weight");
			case "visual.class_embedding" -> WeightFiles.rename(t, "vision_model.embeddings.class_embedding");
			case "visual.conv1.weight" -> WeightFiles.rename(t, "vision_model.embeddings.patch_embedding.weight");
			case "visual.positional_embedding" -> WeightFiles.rename(t, "vision_model.embeddings.position_embedding.weight");
			case "visual.ln_pre.weight" -> WeightFiles.rename(t, "vision_model.pre_layrnorm.weight");
			case "visual.ln_pre.bias" -> WeightFiles.rename(t, "vision_model.pre_layrnorm.bias");
			case "visual.ln_post.weight" -> WeightFiles.rename(t, "vision_model.post_layernorm.weight");
			case "visual.ln_post.bias" -> WeightFiles.rename(t, "vision_model.post_layernorm.bias");
			case "visual.proj" -> transposed(t, "visual_projection.weight");
			default -> t;
		};
	}

	private static RawTensor transposed(RawTensor t, String name) {
		int r = (int) t.shape()[0], c = (int) t.shape()[1];
		float[] v = t.toFloats(), o = new float[v.length];
		for (int i = 0; i < r; i++)
			for (int j = 0; j < c; j++) o[j * r + i] = v[i * c + j];
		return SafetensorsWriter.f32(name, o, c, r);
	}

	@Test
	void huggingFaceQkvAreSplitAndRestacked() throws IOException {
		// toHuggingFace drops in_proj; add the split q/k/v here so the file is complete.
		Map<String, RawTensor> src = WeightFiles.read(VIT.resolve("clip.safetensors"));
		Map<String, RawTensor> hf = new LinkedHashMap<>();
		for (RawTensor t : src.values()) {
			RawTensor h = toHuggingFace(t);
			if (h != null) hf.put(h.name(), h);
			if (t.name().contains("attn.in_proj_")) splitQkv(t, hf);
		}
		Path p = tmp.resolve("hf-full.safetensors");
		SafetensorsWriter.write(p, hf, Map.of());
		Map<String, RawTensor> raw = SafetensorsReader.read(p);
		assertTrue(raw.containsKey("vision_model.encoder.layers.0.self_attn.k_proj.weight"));
		assertTrue(HuggingFaceNames.isHuggingFace(raw));
		assertWithin(check(p, VIT), 1e-4);
	}

	private static void splitQkv(RawTensor t, Map<String, RawTensor> out) {
		String n = t.name();
		boolean vis = n.startsWith("visual.");
		String rest = (vis ? n.substring(7) : n).substring("transformer.resblocks.".length());
		String layer = rest.substring(0, rest.indexOf('.'));
		String kind = n.endsWith("weight") ? "weight" : "bias";
		String base = (vis ? "vision_model." : "text_model.") + "encoder.layers." + layer + ".self_attn.";
		float[] v = t.toFloats();
		int rows = (int) t.shape()[0] / 3, per = v.length / 3;
		String[] names = { "q_proj", "k_proj", "v_proj" };
		for (int i = 0; i < 3; i++) {
			float[] part = java.util.Arrays.copyOfRange(v, i * per, (i + 1) * per);
			long[] shape = t.shape().length == 2 ? new long[] { rows, t.shape()[1] } : new long[] { rows };
			out.put(base + names[i] + "." + kind, SafetensorsWriter.f32(base + names[i] + "." + kind, part, shape));
		}
	}

	@Test
	void truncatedFilesGiveOneClearLine() throws IOException {
		for (String f : new String[] { "clip.pt", "clip.safetensors" }) {
			byte[] all = Files.readAllBytes(VIT.resolve(f));
			Path cut = tmp.resolve("cut-" + f);
			Files.write(cut, java.util.Arrays.copyOf(all, all.length / 2));
			WeightFormatException e = assertThrows(WeightFormatException.class, () -> WeightFiles.read(cut));
			assertTrue(e.getMessage().contains("truncated") && e.getMessage().contains("again"), e.getMessage());
			assertEquals(1, e.getMessage().lines().count());
		}
	}

	@Test
	void legacyPickleIsRefusedWithAdvice() throws IOException {
		Path legacy = tmp.resolve("state_dict.pt");
		// the magic number torch.save writes first in its legacy (non-zip) format
		Files.write(legacy, new byte[] { (byte) 0x80, 2, (byte) 0x8a, 10, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46,
			(byte) 0xf9, 0x20, 0x6a, (byte) 0xa8, 0x50, 0x19, '.' });
		WeightFormatException e = assertThrows(WeightFormatException.class, () -> WeightFiles.read(legacy));
		assertTrue(e.getMessage().contains("legacy") && e.getMessage().contains("safetensors"), e.getMessage());
	}

	@Test
	void missingTensorIsNamed() throws IOException {
		Path p = rewrite(VIT.resolve("clip.safetensors"), "missing.safetensors",
			t -> t.name().equals("visual.ln_post.weight") ? null : t);
		try (NDManager m = NDManager.newBaseManager()) {
			WeightFormatException e = assertThrows(WeightFormatException.class, () -> ClipModel.load(p, m));
			assertTrue(e.getMessage().contains("visual.ln_post.weight") && e.getMessage().contains("lack"),
				e.getMessage());
		}
	}

	@Test
	void aWrongShapeOfLnFinalIsReportedUnderItsOwnName() throws IOException {
		Path p = rewrite(VIT.resolve("clip.pt"), "lnfinal.safetensors", t -> t.name().equals("ln_final.weight")
			? SafetensorsWriter.f32(t.name(), new float[32], 32) : t);
		try (NDManager m = NDManager.newBaseManager()) {
			WeightFormatException e = assertThrows(WeightFormatException.class, () -> ClipModel.load(p, m));
			assertTrue(e.getMessage().contains("ln_final.weight") && !e.getMessage().contains("token_embedding"), e
				.getMessage());
		}
	}

	@Test
	void contradictoryShapeIsNamed() throws IOException {
		Path p = rewrite(RN.resolve("clip.pt"), "shape.safetensors", t -> t.name().equals("visual.layer2.0.conv2.weight")
			? SafetensorsWriter.f32(t.name(), new float[32 * 16 * 9], 32, 16, 3, 3) : t);
		try (NDManager m = NDManager.newBaseManager()) {
			WeightFormatException e = assertThrows(WeightFormatException.class, () -> ClipModel.load(p, m));
			assertTrue(e.getMessage().contains("visual.layer2.0.conv2.weight") && e.getMessage().contains("implies"),
				e.getMessage());
		}
	}

	@Test
	void notAWeightFile() throws IOException {
		Path text = tmp.resolve("notes.txt");
		Files.writeString(text, "hello, these are not weights");
		WeightFormatException e = assertThrows(WeightFormatException.class, () -> WeightFiles.read(text));
		assertTrue(e.getMessage().contains("neither"), e.getMessage());
		Path empty = Files.createFile(tmp.resolve("empty.pt"));
		e = assertThrows(WeightFormatException.class, () -> WeightFiles.read(empty));
		assertTrue(e.getMessage().contains("empty or truncated"), e.getMessage());
		assertThrows(java.nio.file.NoSuchFileException.class, () -> WeightFiles.read(tmp.resolve("absent.pt")));
	}

	@Test
	void torchZipReaderSeesBuffersToo() throws IOException {
		Map<String, RawTensor> t = TorchZipReader.read(RN.resolve("clip.pt"));
		assertTrue(t.containsKey("visual.bn1.running_mean"), "BatchNorm buffers must be read");
		assertTrue(t.containsKey("visual.layer1.0.downsample.1.running_var"));
		Map<String, RawTensor> s = SafetensorsReader.read(RN.resolve("clip.safetensors"));
		for (String k : s.keySet()) {
			assertTrue(t.containsKey(k), k);
			assertEquals(s.get(k).type(), t.get(k).type(), k);
			assertTrue(java.util.Arrays.equals(s.get(k).toFloats(), t.get(k).toFloats()), k);
		}
	}
}
