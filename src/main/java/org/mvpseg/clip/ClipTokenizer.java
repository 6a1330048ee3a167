package org.mvpseg.clip;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * OpenAI's CLIP {@code SimpleTokenizer}, id for id: byte-level BPE over the shipped merges file
 * ({@code bpe_simple_vocab_16e6.txt.gz}, MIT, see {@code THIRD-PARTY.md}). Thread-safe.
 */
public final class ClipTokenizer {

	public static final int CONTEXT_LENGTH = 77;
	public static final int SOT = 49406;
	public static final int EOT = 49407;
	private static final int MERGES = 49152 - 256 - 2;

	/** Python's str.isspace() set; Java's \s alone misses several of these. */
	private static final String WS = "\\s\\x1c-\\x1f\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
	private static final Pattern WHITESPACE = Pattern.compile("[" + WS + "]+");
	private static final Pattern SPLIT = Pattern.compile(
		"<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^" + WS + "\\p{L}\\p{N}]+",
		Pattern.CASE_INSENSITIVE);

	private static volatile ClipTokenizer shared;

	private final String[] byteEncoder = new String[256];
	private final Map<String, Integer> encoder = new HashMap<>(1 << 17);
	private final Map<String, Integer> bpeRanks = new HashMap<>(1 << 17);
	private final Map<String, int[]> cache = new ConcurrentHashMap<>();

	/** The tokenizer over the vocabulary shipped in the jar (loaded once). */
	public static ClipTokenizer get() {
		ClipTokenizer t = shared;
		if (t == null) {
			synchronized (ClipTokenizer.class) {
				if (shared == null) {
					try (InputStream in = ClipTokenizer.class.getResourceAsStream("bpe_simple_vocab_16e6.txt.gz")) {
						if (in == null) throw new IllegalStateException("bpe_simple_vocab_16e6.txt.gz is missing from the jar");
						shared = new ClipTokenizer(in);
					}
					catch (IOException e) {
						throw new IllegalStateException("Cannot read the CLIP vocabulary: " + e.getMessage(), e);
					}
				}
				t = shared;
			}
		}
		return t;
	}

	/** Reads a gzipped merges file in OpenAI's format. */
	public ClipTokenizer(InputStream gzippedMerges) throws IOException {
		List<String> vocab = new ArrayList<>(49408);
		// bytes_to_unicode: printable bytes map to themselves, the rest to 256+n.
		List<Integer> bs = new ArrayList<>();
		for (int b = '!'; b <= '~'; b++) bs.add(b);
		for (int b = 0xA1; b <= 0xAC; b++) bs.add(b);
		for (int b = 0xAE; b <= 0xFF; b++) bs.add(b);
		List<Integer> cs = new ArrayList<>(bs);
		int n = 0;
		for (int b = 0; b < 256; b++) {
			if (!bs.contains(b)) {
				bs.add(b);
				cs.add(256 + n++);
			}
		}
		for (int i = 0; i < bs.size(); i++) {
			byteEncoder[bs.get(i)] = new String(Character.toChars(cs.get(i)));
			vocab.add(byteEncoder[bs.get(i)]);
		}
		for (int i = 0; i < 256; i++) vocab.add(vocab.get(i) + "</w>");
		try (BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(gzippedMerges),
			StandardCharsets.UTF_8)))
		{
			r.readLine(); // version header
			for (int i = 0; i < MERGES; i++) {
				String line = r.readLine();
				if (line == null) throw new IOException("merges file ends after " + i + " merges; expected " + MERGES);
				int sp = line.indexOf(' ');
				bpeRanks.put(line, i);
				vocab.add(line.substring(0, sp) + line.substring(sp + 1));
			}
		}
		vocab.add("<|startoftext|>");
		vocab.add("<|endoftext|>");
		for (int i = 0; i < vocab.size(); i++) encoder.put(vocab.get(i), i);
		cache.put("<|startoftext|>", new int[] { SOT });
		cache.put("<|endoftext|>", new int[] { EOT });
	}

	/** CLIP's text cleaning: unescape HTML twice, collapse whitespace, strip, lower-case. */
	public static String clean(String text) {
		String s = HtmlUnescape.unescape(HtmlUnescape.unescape(text));
		s = WHITESPACE.matcher(s).replaceAll(" ").strip();
		return s.toLowerCase(Locale.ROOT);
	}

	/** BPE ids of a text, without start/end tokens ({@code SimpleTokenizer.encode}). */
	public int[] encode(String text) {
		Matcher m = SPLIT.matcher(clean(text));
		int[] out = new int[16];
		int len = 0;
		while (m.find()) {
			for (int id : bpe(m.group())) {
				if (len == out.length) out = Arrays.copyOf(out, len * 2);
				out[len++] = id;
			}
		}
		return Arrays.copyOf(out, len);
	}

	/** {@code clip.tokenize(text, truncate=True)}: [SOT] ids [EOT], zero-padded to 77. */
	public int[] tokenize(String text) {
		int[] bpe = encode(text);
		int[] ids = new int[CONTEXT_LENGTH];
		ids[0] = SOT;
		int n = Math.min(bpe.length, CONTEXT_LENGTH - 2);
		System.arraycopy(bpe, 0, ids, 1, n);
		ids[n + 1] = EOT;
		return ids;
	}

	private int[] bpe(String token) {
		int[] hit = cache.get(token);
		if (hit != null) return hit;
		StringBuilder sb = new StringBuilder();
		for (byte b : token.getBytes(StandardCharsets.UTF_8)) sb.append(byteEncoder[b & 0xff]);
		String mapped = sb.toString();
		List<String> word = new ArrayList<>();
		mapped.codePoints().forEach(cp -> word.add(new String(Character.toChars(cp))));
		word.set(word.size() - 1, word.get(word.size() - 1) + "</w>");
		List<String> w = word;
		while (w.size() > 1) {
			// The lowest-ranked adjacent pair merges first, everywhere it occurs.
			int best = Integer.MAX_VALUE;
			String first = null, second = null;
			for (int i = 0; i + 1 < w.size(); i++) {
				Integer rank = bpeRanks.get(w.get(i) + " " + w.get(i + 1));
				if (rank != null && rank < best) {
					best = rank;
					first = w.get(i);
					second = w.get(i + 1);
				}
			}
			if (first == null) break;
			List<String> merged = new ArrayList<>(w.size());
			for (int i = 0; i < w.size();) {
				if (i + 1 < w.size() && w.get(i).equals(first) && w.get(i + 1).equals(second)) {
					merged.add(first + second);
					i += 2;
				}
				else merged.add(w.get(i++));
			}
			w = merged;
		}
		int[] ids = new int[w.size()];
		for (int i = 0; i < ids.length; i++) ids[i] = encoder.get(w.get(i));
		if (cache.size() < 100_000) cache.put(token, ids);
		return ids;
	}
}
