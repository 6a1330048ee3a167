package org.mvpseg.clip;

import org.mvpseg.clip.io.RawTensor;
import org.mvpseg.clip.io.WeightFormatException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * open_clip's checkpoint layout of a CLIP with a timm image tower and a Hugging Face BERT text tower, as BiomedCLIP
 * publishes it: {@code open_clip_pytorch_model.bin} (tensors {@code visual.trunk.…}, {@code visual.head.proj.weight},
 * {@code text.transformer.…}, {@code text.proj.0/2.weight}, {@code logit_scale}) with, beside it,
 * {@code open_clip_config.json} (its {@code model_cfg.text_cfg.context_length}; 256 when absent) and the tokenizer's
 * {@code vocab.txt}. Sizes come from the tensors' shapes; both towers have 64-wide heads, as ViT-B/16 and BERT-base
 * (12 heads of 768) and every timm ViT and BERT size do.
 */
final class TimmBertLayout {

	static final String VOCAB = "vocab.txt";
	private static final int HEAD_WIDTH = 64, DEFAULT_CONTEXT = 256;

	private TimmBertLayout() {}

	static boolean matches(Map<String, RawTensor> t) {
		return t.containsKey(TimmVisionTower.T + "patch_embed.proj.weight") && t.containsKey(BertTextTower.PREFIX
			+ "embeddings.word_embeddings.weight");
	}

	/** The architecture, as {@link ClipConfig} describes any CLIP (text heads and context as said above). */
	static ClipConfig config(Map<String, RawTensor> t, Path weights) throws WeightFormatException {
		TimmVisionTower.Config v = TimmVisionTower.Config.of(t, heads(t.get(TimmVisionTower.T + "patch_embed.proj.weight")
			.shape()[0]));
		BertTextTower.Config b = bert(t);
		int context = Math.min(BesideFiles.openClipContext(weights, DEFAULT_CONTEXT), b.positions());
		return new ClipConfig(true, v.embed(), v.imageSize(), v.width(), v.layers(), v.patch(), null, context, b.vocab(),
			b.width(), b.heads(), b.layers(), true, false);
	}

	static BertTextTower.Config bert(Map<String, RawTensor> t) throws WeightFormatException {
		return BertTextTower.Config.of(t, heads(t.get(BertTextTower.PREFIX + "embeddings.word_embeddings.weight")
			.shape()[1]));
	}

	static TimmVisionTower.Config timm(ClipConfig c) {
		return new TimmVisionTower.Config(c.visionWidth(), c.visionHeads(), c.visionLayers(), c.patchSize(), c
			.imageResolution() / c.patchSize(), c.embedDim());
	}

	private static int heads(long width) {
		return (int) Math.max(1, width / HEAD_WIDTH);
	}

	/** The WordPiece vocabulary beside {@code weights}. */
	static WordPieceTokenizer tokenizer(Path weights) throws WeightFormatException {
		Path f = weights.resolveSibling(VOCAB);
		if (!Files.isRegularFile(f)) throw new WeightFormatException("A BERT text tower needs its tokenizer's " + VOCAB
			+ " beside " + weights.getFileName() + " (BiomedCLIP's model folder has it); it is missing.");
		try {
			return WordPieceTokenizer.load(f);
		}
		catch (IOException | IllegalArgumentException e) {
			throw new WeightFormatException(f + ": " + e.getMessage(), e);
		}
	}
}
