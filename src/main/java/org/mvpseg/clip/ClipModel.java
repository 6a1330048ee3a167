package org.mvpseg.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.mvpseg.clip.io.RawTensor;
import org.mvpseg.clip.io.WeightFormatException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * CLIP as OpenAI's {@code clip/model.py} computes it: an image tower (ViT or ModifiedResNet), a
 * text tower, their joint embedding, MaskCLIP dense features and CoOp prompt encoding. The same for open_clip's
 * timm ViT + BERT models (BiomedCLIP; {@link TimmBertLayout}): the towers differ, the interface does not. Weights are
 * frozen and live in their own (capped) manager; every method scopes its temporaries, and results
 * belong to the manager of the caller's input. Safe to share between threads.
 */
public final class ClipModel implements AutoCloseable {

	private final ClipConfig config;
	private final NDManager manager;
	private final VisionTower visual;
	private final TextTower text;
	private final float logitScale;
	private final DataType dtype;
	private final TextEmbeddings textEmbeddings = new TextEmbeddings(this);

	private ClipModel(Map<String, RawTensor> tensors, Path file, NDManager parent, DataType dtype)
		throws WeightFormatException
	{
		boolean timmBert = TimmBertLayout.matches(tensors);
		this.config = timmBert ? TimmBertLayout.config(tensors, file) : ClipConfig.infer(tensors).withQuickGelu(BesideFiles
			.quickGelu(file));
		WordPieceTokenizer vocab = timmBert ? TimmBertLayout.tokenizer(file) : null;
		this.dtype = dtype;
		this.manager = parent.newSubManager();
		try {
			NDManager weightsManager = manager.newSubManager();
			NDManager cacheManager = manager.newSubManager();
			Weights w = new Weights(tensors, weightsManager, dtype);
			if (timmBert) {
				visual = TimmVisionTower.build(w, TimmBertLayout.timm(config), cacheManager);
				text = new BertTextTower(w, TimmBertLayout.bert(tensors), vocab, config.contextLength(), null);
			}
			else {
				visual = config.vit() ? new VisionTransformer(w, config, cacheManager) : new ModifiedResNet(w, config);
				text = new TextTransformer(w, config, cacheManager);
			}
			logitScale = w.floats("logit_scale")[0];
			weightsManager.cap(); // any op that would attach a result to the frozen weights now fails loudly
		}
		catch (WeightFormatException | RuntimeException e) {
			manager.close();
			throw e;
		}
	}

	/**
	 * Reads a weight file (.pt archive, torch.save zip, safetensors; OpenAI, Hugging Face or open_clip names; open_clip's
	 * timm + BERT layout with its config and vocab.txt beside it, {@link TimmBertLayout}).
	 */
	public static ClipModel load(Path file, NDManager parent) throws IOException {
		return load(file, parent, DataType.FLOAT32);
	}

	/**
	 * As {@link #load(Path, NDManager)}, computing in {@code dtype}: FLOAT32, FLOAT16 (half precision, an inference
	 * option; outputs are handed on in FLOAT32) or FLOAT64 (gradient checks).
	 */
	public static ClipModel load(Path file, NDManager parent, DataType dtype) throws IOException {
		return Weights.build(file, t -> new ClipModel(t, file, parent, dtype));
	}

	public ClipConfig config() {
		return config;
	}

	public DataType dataType() {
		return dtype;
	}

	/** The type of every array this model hands out (FLOAT32 for a half-precision model). */
	public DataType outputType() {
		return dtype == DataType.FLOAT16 ? DataType.FLOAT32 : dtype;
	}

	/**
	 * What callers get: float32 from a half-precision model (computed in fp16, handed on in fp32, so classifiers,
	 * heads and text embeddings stay fp32); float32 and float64 models as computed.
	 */
	private NDArray out(NDArray x) {
		return dtype == DataType.FLOAT16 ? x.toType(DataType.FLOAT32, false) : x;
	}

	/** exp(logit_scale), ≈100 for trained models. */
	public float logitScale() {
		return (float) Math.exp(logitScale);
	}

	/** {@code encode_image}: [B,3,H,W] CLIP-normalised → [B, E]. */
	public NDArray encodeImage(NDArray images) {
		return out(visual.encodeImage(images.toType(dtype, false)));
	}

	/** MaskCLIP dense features: [B,3,H,W] → [B, H/s, W/s, E] (s = patch size, or 32 for ResNets). */
	public NDArray denseFeatures(NDArray images) {
		return out(visual.denseFeatures(images.toType(dtype, false)));
	}

	/** Dense features with a chosen last-block treatment (ViT only for the non-MaskCLIP modes). */
	public NDArray denseFeatures(NDArray images, DenseMode mode) {
		return out(visual.denseFeatures(images.toType(dtype, false), mode));
	}

	/** A ViT's patch tokens entering its last block, [B, h·w, W] (for a fine-tuned {@link LastBlock}). */
	public NDArray patchTokensBeforeLastBlock(NDArray images) {
		if (!(visual instanceof VisionTransformer v)) throw new IllegalArgumentException("only a ViT has a last block");
		return out(v.patchTokensBeforeLastBlock(images.toType(dtype, false)));
	}

	VisionTower visual() {
		return visual;
	}

	/** Dense features and the last attention layer's keys, [B, h, w, E] and [B, h, w, K]. */
	public ai.djl.ndarray.NDList denseFeaturesAndKeys(NDArray images, DenseMode mode) {
		ai.djl.ndarray.NDList fk = visual.denseFeaturesAndKeys(images.toType(dtype, false), mode);
		return new ai.djl.ndarray.NDList(out(fk.get(0)), out(fk.get(1)));
	}

	/** {@code encode_text}: [N, 77] token ids → [N, E]. */
	public NDArray encodeText(NDArray ids) {
		return out(text.encode(ids));
	}

	/** Tokenizes and encodes texts; the result lives in {@code into}. */
	public NDArray encodeText(NDManager into, String... texts) {
		int len = text.contextLength();
		long[] ids = new long[texts.length * len];
		for (int i = 0; i < texts.length; i++) {
			int[] t = text.tokenize(texts[i]);
			for (int j = 0; j < t.length; j++) ids[i * len + j] = t[j];
		}
		try (NDManager tmp = into.newSubManager()) {
			NDArray out = encodeText(tmp.create(ids, new Shape(texts.length, len)));
			out.attach(into);
			return out;
		}
	}

	/**
	 * Features of every template filled with every name ({@code template.replace("{}", name)}), [names·templates,
	 * E] name-major, in {@code into}: {@link #encodeText(NDManager, String...)} of those sentences, computed
	 * once per template for the tokens before "{}" (docs/formulas.md §4, prefix reuse).
	 */
	public NDArray encodeFilled(NDManager into, List<String> templates, List<String> names) {
		return out(text.encodeFilled(into, templates, names));
	}

	/** The class-name embeddings of this model, kept while it is loaded (cleared when it is closed). */
	public TextEmbeddings textEmbeddings() {
		return textEmbeddings;
	}

	/** A manager for temporaries on this model's device, closed by the caller. */
	NDManager newScratchManager() {
		return manager.newSubManager();
	}

	/** Passes through the text tower so far (a prefix pass and each group of equal length count one each). */
	public long textPasses() {
		return text.passes();
	}

	/** Sentences {@link #encodeFilled} computed in full so far: their tokens do not begin with the template's prefix. */
	public long textSentencesInFull() {
		return text.fullSentences();
	}

	/**
	 * CoOp prompt features: for every prompt p and class c, the sentence
	 * {@code [SOT] ctx_p(1..M) tokens(c) "." [EOT]} with learnable {@code ctx}, through the frozen text
	 * tower, feature at EOT. Gradients reach {@code context} when it requires them.
	 *
	 * @param context [P, M, W] (or [M, W] for one prompt)
	 * @param classTokens BPE ids of each class name, without SOT/EOT
	 * @return [P·C, E], prompt-major (row p·C + c)
	 */
	public NDArray encodePrompts(NDArray context, int[][] classTokens) {
		NDManager caller = context.getManager();
		try (NDManager scope = caller.newSubManager()) {
			context.tempAttach(scope);
			NDArray ctx = context.getShape().dimension() == 2 ? context.expandDims(0) : context;
			long w = ctx.getShape().get(2);
			if (w != text.width()) throw new IllegalArgumentException("context vectors have width " + w
				+ " but the text tower has width " + text.width());
			NDArray out = out(text.encodePrompts(ctx, classTokens));
			out.attach(caller);
			return out;
		}
	}

	/** The tokens of a class name as prompt sentences take them (BPE or WordPiece, no special tokens). */
	public int[] nameTokens(String name) {
		return text.nameTokens(name);
	}

	@Override
	public void close() {
		textEmbeddings.clear();
		manager.close();
	}
}
