package org.mvpseg.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Embedding;
import ai.djl.ndarray.types.SparseFormat;
import org.mvpseg.clip.io.WeightFormatException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * OpenAI's text encoder: token embedding + positional embedding → causal pre-norm blocks →
 * ln_final → the row at the EOT token → text_projection. Also encodes CoOp prompts whose
 * positions 1..M are learnable vectors, with gradients flowing through the frozen blocks.
 */
final class TextTransformer implements TextTower {

	private final int width, context, embed, vocab;
	private final NDArray tokenEmbedding, lnFinalW, lnFinalB, projection;
	private final float[] positional;
	private final ResidualAttentionBlock[] blocks;
	private final NDManager cacheManager;
	private final java.util.Map<Integer, NDArray> positionalPrefix = new java.util.concurrent.ConcurrentHashMap<>();
	private final PrefixCache prefixes = new PrefixCache();
	private final AtomicLong passes = new AtomicLong(), fullSentences = new AtomicLong();

	TextTransformer(Weights w, ClipConfig c, NDManager cacheManager) throws WeightFormatException {
		this.cacheManager = cacheManager;
		width = c.textWidth();
		context = c.contextLength();
		embed = c.embedDim();
		vocab = c.vocabSize();
		tokenEmbedding = w.get("token_embedding.weight", vocab, width);
		positional = w.floats("positional_embedding", context, width);
		lnFinalW = w.get("ln_final.weight", width);
		lnFinalB = w.get("ln_final.bias", width);
		projection = w.get("text_projection", width, embed);
		blocks = new ResidualAttentionBlock[c.textLayers()];
		for (int i = 0; i < blocks.length; i++)
			blocks[i] = new ResidualAttentionBlock(w, "transformer.resblocks." + i + ".", width, c.textHeads(),
				ResidualAttentionBlock.openAi(c.quickGelu()));
	}

	@Override
	public int width() {
		return width;
	}

	@Override
	public int contextLength() {
		return context;
	}

	/**
	 * CoOp's sentence {@code [SOT] ctx_p(1..M) tokens(c) "." [EOT]} for every prompt p and class c, through the
	 * frozen blocks, feature at EOT; [P·C, E] prompt-major. {@code ctx} [P, M, W] lives in the caller's scope.
	 */
	@Override
	public NDArray encodePrompts(NDArray ctx, int[][] classTokens) {
		NDManager scope = ctx.getManager();
		long p = ctx.getShape().get(0), m = ctx.getShape().get(1);
		int c = classTokens.length, len = context;
		if (1 + m + 2 > len) throw new IllegalArgumentException("too many context vectors: " + m);
		int dot = ClipTokenizer.get().encode(".")[0];
		long[] ids = new long[c * len];
		long[] eot = new long[(int) p * c];
		for (int k = 0; k < c; k++) {
			int room = (int) (len - 1 - m - 2);
			int n = Math.min(classTokens[k].length, room);
			int at = k * len;
			ids[at] = ClipTokenizer.SOT;
			for (int j = 0; j < n; j++) ids[at + 1 + (int) m + j] = classTokens[k][j];
			ids[at + 1 + (int) m + n] = dot;
			ids[at + 2 + (int) m + n] = ClipTokenizer.EOT;
			for (int q = 0; q < p; q++) eot[q * c + k] = 2 + m + n;
		}
		NDArray emb = embed(Nn.owned(scope.create(ids, new Shape(c, len)))); // [C, L, W]
		NDArray x = TextTower.withContext(emb, ctx);
		return encodeEmbeddings(x, eot);
	}

	@Override
	public int[] tokenize(String text) {
		return ClipTokenizer.get().tokenize(text);
	}

	@Override
	public int[] nameTokens(String name) {
		return ClipTokenizer.get().encode(name);
	}

	/** [N, 77] int64 token ids → [N, E]. */
	@Override
	public NDArray encode(NDArray ids) {
		return Nn.scoped(ids, t -> {
			long[] eot = argmaxRows(t);
			NDArray x = Embedding.embedding(t.toType(DataType.INT64, false), tokenEmbedding, SparseFormat.DENSE)
				.singletonOrThrow();
			return encodeEmbeddings(x, eot);
		});
	}

	/**
	 * Token embeddings of {@code ids} ([N, 77] int64, in the caller's manager). Used to assemble
	 * prompt sentences around learnable context vectors.
	 */
	NDArray embed(NDArray ids) {
		return Embedding.embedding(ids.toType(DataType.INT64, false), tokenEmbedding, SparseFormat.DENSE)
			.singletonOrThrow();
	}

	/**
	 * [N, 77, W] input embeddings (learnable rows allowed) → [N, E], the feature taken at {@code eot[n]}.
	 * Positions after the last EOT are dropped before the transformer: under the causal mask they
	 * cannot influence any EOT feature, so the result is exact and a short prompt costs a fraction
	 * of 77 positions (forward and backward).
	 */
	NDArray encodeEmbeddings(NDArray x, long[] eot) {
		passes.incrementAndGet();
		return Nn.scoped(x, full -> {
			long n = full.getShape().get(0);
			if (full.getShape().get(1) != context) throw new IllegalArgumentException("text input must have " + context
				+ " positions, got " + full.getShape().get(1));
			int l = 1;
			for (long e : eot) l = (int) Math.max(l, e + 1);
			NDArray in = l < context ? full.get(":, :" + l + ", :") : full;
			NDManager m = in.getManager();
			NDArray h = in.add(positional(l, in.getDataType()));
			NDArray mask = causalMask(m, l, in.getDataType());
			for (ResidualAttentionBlock b : blocks) h = Nn.step(h, t -> b.forward(t, mask));
			long[] flat = new long[(int) n];
			for (int i = 0; i < n; i++) flat[i] = i * l + eot[i];
			NDArray rows = h.reshape(n * l, width).get(new NDIndex("{}", Nn.owned(m.create(flat))));
			return Nn.layerNorm(rows, lnFinalW, lnFinalB).matMul(projection);
		});
	}

	/** Passes through the transformer so far, all methods together (a test and the benchmark count them). */
	@Override
	public long passes() {
		return passes.get();
	}

	/**
	 * Features of every sentence {@code templates[t]} filled with {@code names[c]}, [C·T, E] name-major, in
	 * {@code into}: equal to {@link #encode} of the sentences' tokens (docs/formulas.md §4, prefix reuse). A
	 * sentence whose tokens begin with its template's prefix (SOT and the tokens before "{}") runs only the
	 * positions after it, attending to the prefix's cached keys and values; sentences of equal remaining length
	 * share one pass. A sentence whose tokens do not begin so (a name glued to the template's text) is computed in
	 * full and counted in {@link #fullSentences}.
	 */
	@Override
	public NDArray encodeFilled(NDManager into, List<String> templates, List<String> names) {
		Prefixes pf = prefixes.acquire(templates);
		try (NDManager m = into.newSubManager()) {
			Plan plan = Plan.of(pf, templates, names, context);
			fullSentences.addAndGet(plan.full.size());
			NDList parts = new NDList();
			List<Integer> order = new ArrayList<>();
			for (Map.Entry<Integer, List<int[]>> g : plan.groups.entrySet()) {
				List<int[]> rows = g.getValue();
				parts.add(encodeSuffixes(m, pf, rows, g.getKey()));
				for (int[] r : rows) order.add(r[0]);
			}
			if (!plan.full.isEmpty()) {
				long[] ids = new long[plan.full.size() * context];
				for (int i = 0; i < plan.full.size(); i++) {
					System.arraycopy(plan.ids[plan.full.get(i)], 0, ids, i * context, context);
					order.add(plan.full.get(i));
				}
				parts.add(encode(m.create(ids, new Shape(plan.full.size(), context))));
			}
			long[] inverse = new long[order.size()];
			for (int i = 0; i < inverse.length; i++) inverse[order.get(i)] = i;
			NDArray all = parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, 0);
			NDArray out = all.get(new NDIndex("{}", m.create(inverse)));
			out.attach(into);
			return out;
		}
		finally {
			prefixes.release(pf);
		}
	}

	/** Sentences computed in full by {@link #encodeFilled} so far (their tokens do not begin with the prefix's). */
	@Override
	public long fullSentences() {
		return fullSentences.get();
	}

	/**
	 * One pass for sentences whose tokens after their template's prefix (EOT last) number {@code s}: [N, E].
	 *
	 * @param rows per sentence {sentence index, template index, the s token ids…}
	 */
	private NDArray encodeSuffixes(NDManager m, Prefixes pf, List<int[]> rows, int s) {
		passes.incrementAndGet();
		int n = rows.size(), p = pf.length;
		long[] ids = new long[n * s], pos = new long[n * s], template = new long[n];
		float[] mask = new float[n * s * (p + s)]; // [N, 1, S, P+S]: the row's own prefix, then causal
		for (int r = 0; r < n; r++) {
			int[] row = rows.get(r);
			int t = row[1], pt = pf.tokens[t].length;
			template[r] = t;
			for (int j = 0; j < s; j++) {
				ids[r * s + j] = row[2 + j];
				pos[r * s + j] = pt + j;
				int at = (r * s + j) * (p + s);
				for (int k = pt; k < p; k++) mask[at + k] = Float.NEGATIVE_INFINITY;
				for (int k = j + 1; k < s; k++) mask[at + p + k] = Float.NEGATIVE_INFINITY;
			}
		}
		DataType dtype = tokenEmbedding.getDataType();
		NDArray x = embed(m.create(ids, new Shape(n, s)));
		NDArray h = Nn.addInto(x, gather(m.create(pos), positional(context, dtype)).reshape(n, s, width));
		NDArray causal = m.create(mask, new Shape(n, 1, s, p + s)).toType(dtype, false);
		NDArray last = causal.get(":, :, -1:, :");
		NDArray index = m.create(template);
		int dh = width / blocks[0].heads;
		for (int i = 0; i < blocks.length; i++) {
			ResidualAttentionBlock b = blocks[i];
			boolean final_ = i == blocks.length - 1; // only the EOT row (the last) is read after the last block
			NDArray past = gather(index, pf.keysValues[i]).reshape(n, p, 2, b.heads, dh);
			h = Nn.step(h, t -> b.forwardAfter(t, past, final_ ? last : causal, final_).out());
			past.close();
		}
		return Nn.layerNorm(h.reshape(n, width), lnFinalW, lnFinalB).matMul(projection);
	}

	/** Rows {@code index} of a 2-D {@code table}, in the index's manager (the table may be a cached one). */
	private static NDArray gather(NDArray index, NDArray table) {
		return Embedding.embedding(index, table, SparseFormat.DENSE).singletonOrThrow();
	}

	/**
	 * The keys and values of each template's prefix at every layer: the prefixes ([SOT] and the tokens before
	 * "{}", padded to the longest with the padding's own keys masked later) run through the blocks once.
	 */
	private Prefixes computePrefixes(List<String> templates, NDManager into) {
		passes.incrementAndGet();
		int[][] tokens = new int[templates.size()][];
		int p = 1;
		for (int t = 0; t < tokens.length; t++) {
			String tpl = templates.get(t);
			int[] before = ClipTokenizer.get().encode(tpl.substring(0, Math.max(0, tpl.indexOf("{}"))));
			tokens[t] = new int[1 + Math.min(before.length, context - 2)];
			tokens[t][0] = ClipTokenizer.SOT;
			System.arraycopy(before, 0, tokens[t], 1, tokens[t].length - 1);
			p = Math.max(p, tokens[t].length);
		}
		long[] ids = new long[tokens.length * p];
		for (int t = 0; t < tokens.length; t++) for (int j = 0; j < tokens[t].length; j++) ids[t * p + j] = tokens[t][j];
		NDArray[] kv = new NDArray[blocks.length];
		try (NDManager m = into.newSubManager()) {
			NDArray x = embed(m.create(ids, new Shape(tokens.length, p)));
			NDArray h = x.add(positional(p, x.getDataType()));
			NDArray mask = causalMask(m, p, x.getDataType());
			for (int i = 0; i < blocks.length; i++) {
				ResidualAttentionBlock.Continued c = blocks[i].forwardAfter(h, null, mask, false);
				kv[i] = c.keysValues().reshape(tokens.length, (long) p * 2 * width); // a copy: in_proj's layout is strided
				kv[i].attach(into);
				h = c.out();
			}
		}
		return new Prefixes(tokens, p, kv, into);
	}

	/** The first {@code l} rows of the positional embedding (cached per length). */
	private NDArray positional(int l, DataType dtype) {
		return positionalPrefix.computeIfAbsent(l, k -> {
			synchronized (cacheManager) {
				return Nn.owned(cacheManager.create(java.util.Arrays.copyOf(positional, k * width), new Shape(k, width))
					.toType(dtype, false));
			}
		});
	}

	/** Keys and values of every template's prefix at every layer, [T, P·2·W] (in_proj's layout, padded to P). */
	private static final class Prefixes {
		final int[][] tokens; // per template: SOT and the tokens before "{}"
		final int length; // P, the longest
		final NDArray[] keysValues; // per layer
		final NDManager manager;
		int users;
		boolean evicted;

		Prefixes(int[][] tokens, int length, NDArray[] keysValues, NDManager manager) {
			this.tokens = tokens;
			this.length = length;
			this.keysValues = keysValues;
			this.manager = manager;
		}
	}

	/**
	 * The prefixes of the last few template lists (the 85-template ensemble of ViT-B/16 is about 40 MB). One
	 * dropped while a pass still uses it is freed when that pass releases it.
	 */
	private final class PrefixCache {
		private static final int KEEP = 4;
		private final LinkedHashMap<List<String>, Prefixes> kept = new LinkedHashMap<>(8, 0.75f, true);

		/** Computing under the lock: a new template list costs one pass, once, and concurrent callers wait for it. */
		synchronized Prefixes acquire(List<String> templates) {
			Prefixes p = kept.get(templates);
			if (p == null) {
				NDManager own = cacheManager.newSubManager();
				try {
					p = computePrefixes(templates, own);
				}
				catch (RuntimeException e) {
					own.close();
					throw e;
				}
				kept.put(List.copyOf(templates), p);
				if (kept.size() > KEEP) {
					Iterator<Prefixes> eldest = kept.values().iterator();
					Prefixes old = eldest.next();
					eldest.remove();
					old.evicted = true;
					if (old.users == 0) old.manager.close();
				}
			}
			p.users++;
			return p;
		}

		synchronized void release(Prefixes p) {
			if (--p.users == 0 && p.evicted) p.manager.close();
		}
	}

	/** Which sentences continue their template's cached prefix (grouped by what remains) and which run in full. */
	private record Plan(long[][] ids, Map<Integer, List<int[]>> groups, List<Integer> full) {

		/** ids: per sentence (c·T + t) its context-long token ids; groups: per remaining length rows as encodeSuffixes takes them. */
		static Plan of(Prefixes pf, List<String> templates, List<String> names, int context) {
			int tc = templates.size();
			long[][] ids = new long[names.size() * tc][];
			Map<Integer, List<int[]>> groups = new TreeMap<>();
			List<Integer> full = new ArrayList<>();
			for (int c = 0; c < names.size(); c++) {
				for (int t = 0; t < tc; t++) {
					int i = c * tc + t;
					int[] sentence = ClipTokenizer.get().tokenize(templates.get(t).replace("{}", names.get(c)));
					ids[i] = new long[context];
					for (int j = 0; j < Math.min(context, sentence.length); j++) ids[i][j] = sentence[j];
					int eot = firstMax(sentence), pt = pf.tokens[t].length;
					// BPE splits at whitespace, so "a photo of a {}." begins with its prefix's tokens; "x{}" would not
					if (eot >= context || eot < pt || !Arrays.equals(sentence, 0, pt, pf.tokens[t], 0, pt)) {
						full.add(i);
						continue;
					}
					int[] row = new int[2 + eot - pt + 1];
					row[0] = i;
					row[1] = t;
					System.arraycopy(sentence, pt, row, 2, eot - pt + 1);
					groups.computeIfAbsent(eot - pt + 1, k -> new ArrayList<>()).add(row);
				}
			}
			return new Plan(ids, groups, full);
		}

		/** The first position of the largest id: where encode_text reads the feature (the first EOT). */
		private static int firstMax(int[] ids) {
			int at = 0;
			for (int j = 1; j < ids.length; j++) if (ids[j] > ids[at]) at = j;
			return at;
		}
	}

	/** Additive mask: −inf above the diagonal, so each token sees only itself and earlier ones. */
	private static NDArray causalMask(NDManager m, int l, DataType dtype) {
		float[] mask = new float[l * l];
		for (int i = 0; i < l; i++)
			for (int j = i + 1; j < l; j++) mask[i * l + j] = Float.NEGATIVE_INFINITY;
		return Nn.owned(m.create(mask, new Shape(l, l)).toType(dtype, false));
	}

	/** EOT position per row: the argmax of the ids, as OpenAI takes it. */
	static long[] argmaxRows(NDArray ids) {
		long[] v = ids.toType(DataType.INT64, false).toLongArray();
		int l = (int) ids.getShape().get(1), n = (int) ids.getShape().get(0);
		long[] out = new long[n];
		for (int i = 0; i < n; i++) {
			long best = Long.MIN_VALUE;
			for (int j = 0; j < l; j++) if (v[i * l + j] > best) {
				best = v[i * l + j];
				out[i] = j;
			}
		}
		return out;
	}
}
