package org.mvpseg.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.norm.LayerNorm;
import org.mvpseg.clip.io.RawTensor;
import org.mvpseg.clip.io.WeightFormatException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * BERT as a CLIP text tower, as open_clip's HFTextEncoder runs it for BiomedCLIP (docs/formulas.md, "BERT text
 * tower"). Shapes: ids [B, L] (0 = [PAD]), hidden states [B, L, D], text features [B, E].
 * <pre>
 * h = LN(word[ids] + position[0..L) + token_type[0])                         eps 1e-12
 * per layer (post-LN):  a = LN(out(attn(h; mask = ids != 0)) + h)
 *                       h = LN(dense₂(GELU(dense₁(a))) + a)                  exact GELU
 * f = W₂ · GELU(W₁ · h[:, 0])                           the [CLS] row; open_clip's 'mlp' projection
 * </pre>
 * Tensor names are open_clip's ({@code text.transformer.embeddings.…}, {@code text.transformer.encoder.layer.N.…},
 * {@code text.proj.0/2.weight}). The head count is not in the tensors' shapes: the caller gives it (BERT-base: 12).
 */
public final class BertTextTower implements TextTower, AutoCloseable {

	private static final String WHAT = "a BERT text tower in open_clip's layout";
	static final String PREFIX = "text.transformer.";
	static final float EPS = 1e-12f;

	/** Sizes, all but {@code heads} read from the tensors' shapes. */
	public record Config(int width, int heads, int layers, int intermediate, int vocab, int positions, int embed) {

		static Config of(Map<String, RawTensor> t, int heads) throws WeightFormatException {
			RawTensor word = Weights.require(t, PREFIX + "embeddings.word_embeddings.weight", WHAT);
			int layers = 0;
			while (t.containsKey(PREFIX + "encoder.layer." + layers + ".attention.self.query.weight")) layers++;
			int width = (int) word.shape()[1];
			if (layers == 0 || heads <= 0 || width % heads != 0) throw new WeightFormatException("Not a BERT text "
				+ "tower with " + heads + " heads: " + layers + " layers of width " + width + ".");
			long inter = Weights.require(t, PREFIX + "encoder.layer.0.intermediate.dense.weight", WHAT).shape()[0];
			long positions = Weights.require(t, PREFIX + "embeddings.position_embeddings.weight", WHAT).shape()[0];
			long embed = Weights.require(t, "text.proj.2.weight", WHAT).shape()[0];
			return new Config(width, heads, layers, (int) inter, (int) word.shape()[0], (int) positions, (int) embed);
		}

	}

	/** One post-LN encoder layer's weights. */
	private record Layer(NDArray qW, NDArray qB, NDArray kW, NDArray kB, NDArray vW, NDArray vB, NDArray oW, NDArray oB,
		NDArray ln1W, NDArray ln1B, NDArray iW, NDArray iB, NDArray dW, NDArray dB, NDArray ln2W, NDArray ln2B) {}

	private final Config config;
	private final NDManager owned;
	private final WordPieceTokenizer tokenizer;
	private final int context;
	private final NDArray word, position, tokenType, lnW, lnB, proj1, proj2;
	private final Layer[] layers;
	private final AtomicLong passes = new AtomicLong();

	/**
	 * The tower on {@code w}; {@code tokenizer} (null: ids only) and {@code context} for sentences; {@code owned}, when
	 * not null, the manager {@link #close} closes.
	 */
	BertTextTower(Weights w, Config c, WordPieceTokenizer tokenizer, int context, NDManager owned)
		throws WeightFormatException
	{
		config = c;
		this.owned = owned;
		this.tokenizer = tokenizer;
		this.context = context;
		int d = config.width, e = config.embed, hidden = (d + e) / 2; // open_clip: (d_model + output_dim) // 2
		word = w.get(PREFIX + "embeddings.word_embeddings.weight", config.vocab, d);
		position = w.get(PREFIX + "embeddings.position_embeddings.weight", config.positions, d);
		tokenType = w.get(PREFIX + "embeddings.token_type_embeddings.weight", 2, d);
		lnW = w.get(PREFIX + "embeddings.LayerNorm.weight", d);
		lnB = w.get(PREFIX + "embeddings.LayerNorm.bias", d);
		layers = new Layer[config.layers];
		for (int i = 0; i < layers.length; i++) layers[i] = layer(w, PREFIX + "encoder.layer." + i + ".", d,
			config.intermediate);
		proj1 = w.get("text.proj.0.weight", hidden, d);
		proj2 = w.get("text.proj.2.weight", e, hidden);
	}

	private static Layer layer(Weights w, String p, int d, int inter) throws WeightFormatException {
		String a = p + "attention.";
		return new Layer(w.get(a + "self.query.weight", d, d), w.get(a + "self.query.bias", d), w.get(a
			+ "self.key.weight", d, d), w.get(a + "self.key.bias", d), w.get(a + "self.value.weight", d, d), w.get(a
				+ "self.value.bias", d), w.get(a + "output.dense.weight", d, d), w.get(a + "output.dense.bias", d), w.get(a
					+ "output.LayerNorm.weight", d), w.get(a + "output.LayerNorm.bias", d), w.get(p
						+ "intermediate.dense.weight", inter, d), w.get(p + "intermediate.dense.bias", inter), w.get(p
							+ "output.dense.weight", d, inter), w.get(p + "output.dense.bias", d), w.get(p
								+ "output.LayerNorm.weight", d), w.get(p + "output.LayerNorm.bias", d));
	}

	/** The tower in {@code file} (safetensors or a PyTorch checkpoint under open_clip's names), without a tokenizer. */
	public static BertTextTower load(Path file, int heads, NDManager parent) throws IOException {
		return Weights.build(file, t -> {
			Config c = Config.of(t, heads);
			NDManager m = parent.newSubManager();
			try {
				return new BertTextTower(new Weights(t, m, DataType.FLOAT32), c, null, c.positions, m);
			}
			catch (WeightFormatException | RuntimeException e) {
				m.close();
				throw e;
			}
		});
	}

	public Config config() {
		return config;
	}

	@Override
	public int width() {
		return config.width;
	}

	@Override
	public int contextLength() {
		return context;
	}

	/**
	 * Text features [B, E] (not normalised) of token ids [B, L], 0 = [PAD], L ≤ the position table. Columns of
	 * padding after the longest sentence are dropped first: masked out of every query, they change nothing.
	 */
	@Override
	public NDArray encode(NDArray ids) {
		long l = ids.getShape().get(1);
		if (l > config.positions) throw new IllegalArgumentException(l + " tokens; this tower has " + config.positions
			+ " positions.");
		return Nn.scoped(ids, t -> {
			NDArray i64 = t.toType(DataType.INT64, false);
			long[] flat = i64.toLongArray();
			int used = 1;
			for (int i = 0; i < flat.length; i++) if (flat[i] != 0) used = (int) Math.max(used, i % l + 1);
			NDArray trimmed = i64.get(":, :" + used);
			return encodeWords(Embedding.embedding(trimmed, word, SparseFormat.DENSE).singletonOrThrow(), trimmed);
		});
	}

	/**
	 * BERT from word vectors [B, L, D] (Hugging Face's {@code inputs_embeds}) with the ids that give the padding mask
	 * (0 = [PAD]): the formulas above after the word lookup.
	 */
	private NDArray encodeWords(NDArray words, NDArray ids) {
		passes.incrementAndGet();
		long b = ids.getShape().get(0), l = ids.getShape().get(1);
		// rows of the frozen tables gathered by an index of the caller's (a slice would belong to the weights' manager)
		NDManager m = words.getManager();
		NDArray h = words.add(rows(m.arange(0, l, 1, DataType.INT64), position)).add(rows(m.zeros(new Shape(1),
			DataType.INT64), tokenType));
		h = layerNorm(h, lnW, lnB);
		// additive mask over keys, as Hugging Face builds it: (1 - mask) · finfo(float32).min, i.e. 0 at a token
		double min = h.getDataType() == DataType.FLOAT16 ? -65504 : -Float.MAX_VALUE; // finfo(dtype).min, finite
		NDArray mask = Nn.times(ids.eq(0).toType(h.getDataType(), false), min).reshape(b, 1, 1, l);
		for (Layer layer : layers) h = forward(layer, h, mask);
		NDArray cls = h.get(":, 0, :");
		return Nn.linear(gelu(Nn.linear(cls, proj1, null)), proj2, null);
	}

	private static NDArray rows(NDArray index, NDArray table) {
		return Embedding.embedding(Nn.owned(index), table, SparseFormat.DENSE).singletonOrThrow();
	}

	@Override
	public int[] tokenize(String text) {
		return tokenizer().encode(text, context);
	}

	@Override
	public int[] nameTokens(String name) {
		return tokenizer().ids(name);
	}

	private WordPieceTokenizer tokenizer() {
		if (tokenizer == null) throw new IllegalStateException("this tower was loaded without a vocabulary");
		return tokenizer;
	}

	@Override
	public NDArray encodeFilled(NDManager into, List<String> templates, List<String> names) {
		long[] ids = new long[names.size() * templates.size() * context];
		int row = 0;
		for (String name : names)
			for (String template : templates) {
				int[] t = tokenize(template.replace("{}", name));
				for (int j = 0; j < context; j++) ids[row * context + j] = t[j];
				row++;
			}
		try (NDManager m = into.newSubManager()) {
			NDArray out = encode(m.create(ids, new Shape(row, context)));
			out.attach(into);
			return out;
		}
	}

	/**
	 * CoOp on BERT: {@code [CLS] ctx_p(1..M) tokens(c) "." [SEP]} (docs/formulas.md, "Learned prompts on BERT"), the
	 * context vectors entering as word vectors after [CLS] (position and token-type embeddings added as for any
	 * token), feature at [CLS] as always. [P·C, E] prompt-major; gradients reach {@code ctx} [P, M, W].
	 */
	@Override
	public NDArray encodePrompts(NDArray ctx, int[][] classTokens) {
		NDManager scope = ctx.getManager();
		long p = ctx.getShape().get(0), m = ctx.getShape().get(1);
		int c = classTokens.length, room = (int) (context - m - 3);
		if (room < 1) throw new IllegalArgumentException("too many context vectors: " + m);
		int dot = tokenizer().ids(".")[0], cls = tokenizer().cls(), sep = tokenizer().sep();
		int len = 0;
		for (int[] t : classTokens) len = Math.max(len, (int) m + 3 + Math.min(t.length, room));
		long[] ids = new long[c * len];
		for (int k = 0; k < c; k++) {
			int n = Math.min(classTokens[k].length, room), at = k * len;
			ids[at] = cls;
			for (int j = 1; j <= m; j++) ids[at + j] = cls; // placeholders: not padding; replaced by ctx below
			for (int j = 0; j < n; j++) ids[at + 1 + (int) m + j] = classTokens[k][j];
			ids[at + 1 + (int) m + n] = dot;
			ids[at + 2 + (int) m + n] = sep;
		}
		NDArray id = Nn.owned(scope.create(ids, new Shape(c, len)));
		NDArray emb = Embedding.embedding(id, word, SparseFormat.DENSE).singletonOrThrow(); // [C, L, W]
		NDArray x = TextTower.withContext(emb, ctx);
		NDArray allIds = id.expandDims(0).broadcast(p, c, len).reshape(p * c, len);
		return encodeWords(x, allIds);
	}

	@Override
	public long passes() {
		return passes.get();
	}

	@Override
	public long fullSentences() {
		return 0;
	}

	/** One post-LN layer: attention, residual, LN; feed-forward with exact GELU, residual, LN. */
	private NDArray forward(Layer w, NDArray h, NDArray mask) {
		long b = h.getShape().get(0), l = h.getShape().get(1);
		int heads = config.heads, dh = config.width / heads;
		NDArray q = Nn.linear(h, w.qW, w.qB).reshape(b, l, heads, dh).transpose(0, 2, 1, 3);
		NDArray k = Nn.linear(h, w.kW, w.kB).reshape(b, l, heads, dh).transpose(0, 2, 3, 1);
		NDArray v = Nn.linear(h, w.vW, w.vB).reshape(b, l, heads, dh).transpose(0, 2, 1, 3);
		NDArray p = Nn.dividedBy(q.matMul(k), Math.sqrt(dh)).add(mask).softmax(-1);
		NDArray ctx = p.matMul(v).transpose(0, 2, 1, 3).reshape(b, l, config.width);
		NDArray a = layerNorm(Nn.linear(ctx, w.oW, w.oB).add(h), w.ln1W, w.ln1B);
		NDArray f = Nn.linear(gelu(Nn.linear(a, w.iW, w.iB)), w.dW, w.dB);
		return layerNorm(f.add(a), w.ln2W, w.ln2B);
	}

	/** The exact GELU, x·Φ(x) (BERT's "gelu" and torch.nn.GELU()). */
	static NDArray gelu(NDArray x) {
		return Activation.gelu(x);
	}

	private static NDArray layerNorm(NDArray x, NDArray gamma, NDArray beta) {
		return LayerNorm.layerNorm(x, new Shape(gamma.getShape().get(0)), gamma, beta, EPS).singletonOrThrow();
	}

	@Override
	public void close() {
		if (owned != null) owned.close();
	}
}
