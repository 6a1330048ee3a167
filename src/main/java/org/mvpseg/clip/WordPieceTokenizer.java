package org.mvpseg.clip;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * BERT's uncased WordPiece tokenizer, as Hugging Face's BertTokenizer computes it for a {@code vocab.txt} (one
 * token a line, id = line number): the text cleaned (control characters dropped, whitespace made spaces), CJK
 * ideographs set apart, accents stripped (NFD, marks dropped) and letters lower-cased, split at whitespace and at
 * every punctuation character, then each word cut greedily into the longest pieces in the vocabulary (pieces after
 * the first prefixed {@code ##}); a word with no such cut, or longer than 100 characters, is {@code [UNK]}.
 * {@link #encode} adds {@code [CLS]} … {@code [SEP]}, truncates and pads with {@code [PAD]} as open_clip's HFTokenizer
 * does for BiomedCLIP (docs/formulas.md, "BERT text tower"). Thread-safe.
 */
public final class WordPieceTokenizer {

	static final int MAX_WORD = 100;

	private final Map<String, Integer> vocab = new HashMap<>();
	private final int unk, cls, sep, pad;

	public WordPieceTokenizer(List<String> tokens) {
		for (int i = 0; i < tokens.size(); i++) vocab.putIfAbsent(tokens.get(i), i);
		unk = id("[UNK]");
		cls = id("[CLS]");
		sep = id("[SEP]");
		pad = id("[PAD]");
	}

	/** A {@code vocab.txt}: one token a line. */
	public static WordPieceTokenizer load(Path vocabTxt) throws IOException {
		return new WordPieceTokenizer(Files.readAllLines(vocabTxt, StandardCharsets.UTF_8));
	}

	/** The id of {@code [CLS]}. */
	public int cls() {
		return cls;
	}

	/** The id of {@code [SEP]}. */
	public int sep() {
		return sep;
	}

	private int id(String special) {
		Integer i = vocab.get(special);
		if (i == null) throw new IllegalArgumentException("The vocabulary lacks " + special + ": not a BERT vocab.txt.");
		return i;
	}

	/**
	 * {@code [CLS]}, the text's pieces, {@code [SEP]}, then {@code [PAD]} up to {@code contextLength}; a longer text
	 * keeps its first {@code contextLength - 2} pieces (the {@code [SEP]} stays).
	 */
	public int[] encode(String text, int contextLength) {
		int[] pieces = ids(text);
		int n = Math.min(pieces.length, contextLength - 2);
		int[] ids = new int[contextLength];
		Arrays.fill(ids, pad);
		ids[0] = cls;
		System.arraycopy(pieces, 0, ids, 1, n);
		ids[n + 1] = sep;
		return ids;
	}

	/** The ids of {@code text}'s pieces, without special tokens. */
	public int[] ids(String text) {
		List<String> pieces = tokenize(text);
		int[] ids = new int[pieces.size()];
		for (int i = 0; i < ids.length; i++) ids[i] = vocab.getOrDefault(pieces.get(i), unk);
		return ids;
	}

	/** The word pieces of {@code text}, without special tokens. */
	public List<String> tokenize(String text) {
		List<String> out = new ArrayList<>();
		for (String word : words(normalize(text))) pieces(word, out);
		return out;
	}

	/** Cleaned, CJK ideographs spaced, accents stripped, lower-cased: BertNormalizer's steps in its order. */
	static String normalize(String text) {
		StringBuilder b = new StringBuilder(text.length());
		text.codePoints().forEach(c -> {
			if (c == 0 || c == 0xFFFD || isControl(c)) return;
			if (isWhitespace(c)) b.append(' ');
			else if (isCjk(c)) b.append(' ').appendCodePoint(c).append(' ');
			else b.appendCodePoint(c);
		});
		String nfd = Normalizer.normalize(b, Normalizer.Form.NFD);
		StringBuilder out = new StringBuilder(nfd.length());
		nfd.codePoints().forEach(c -> {
			if (Character.getType(c) != Character.NON_SPACING_MARK) out.append(lower(c)); // per character, as Rust's
		});
		return out.toString();
	}

	/** One character lower-cased by itself (no final-sigma context, as Hugging Face's normalizer does it). */
	private static String lower(int c) {
		return new String(Character.toChars(c)).toLowerCase(Locale.ROOT);
	}

	/** Split at spaces, each punctuation character a word of its own. */
	static List<String> words(String text) {
		List<String> out = new ArrayList<>();
		StringBuilder word = new StringBuilder();
		text.codePoints().forEach(c -> {
			if (c == ' ' || isPunctuation(c)) {
				if (!word.isEmpty()) out.add(word.toString());
				word.setLength(0);
				if (c != ' ') out.add(new String(Character.toChars(c)));
			}
			else word.appendCodePoint(c);
		});
		if (!word.isEmpty()) out.add(word.toString());
		return out;
	}

	/** Greedy longest-match-first pieces of one word into {@code out}, or [UNK] for the whole word. */
	private void pieces(String word, List<String> out) {
		int[] cps = word.codePoints().toArray();
		if (cps.length > MAX_WORD) {
			out.add("[UNK]");
			return;
		}
		List<String> found = new ArrayList<>();
		for (int start = 0; start < cps.length;) {
			String piece = null;
			int end = cps.length;
			for (; end > start; end--) {
				String s = (start > 0 ? "##" : "") + new String(cps, start, end - start);
				if (vocab.containsKey(s)) {
					piece = s;
					break;
				}
			}
			if (piece == null) {
				out.add("[UNK]");
				return;
			}
			found.add(piece);
			start = end;
		}
		out.addAll(found);
	}

	/** Tab, newline and carriage return count as whitespace; the other C* characters (Cc, Cf, Cn, Co, Cs) go. */
	private static boolean isControl(int c) {
		if (c == '\t' || c == '\n' || c == '\r') return false;
		int t = Character.getType(c);
		return t == Character.CONTROL || t == Character.FORMAT || t == Character.UNASSIGNED || t == Character.PRIVATE_USE
			|| t == Character.SURROGATE;
	}

	/** Unicode's White_Space less the controls already dropped: tab, newline, return, Zs, Zl, Zp. */
	private static boolean isWhitespace(int c) {
		int t = Character.getType(c);
		return c == '\t' || c == '\n' || c == '\r' || t == Character.SPACE_SEPARATOR || t == Character.LINE_SEPARATOR
			|| t == Character.PARAGRAPH_SEPARATOR;
	}

	/** ASCII symbols count as punctuation too ($, +, ^, `…), as in BERT; otherwise Unicode's P* categories. */
	private static boolean isPunctuation(int c) {
		if (c >= 33 && c <= 47 || c >= 58 && c <= 64 || c >= 91 && c <= 96 || c >= 123 && c <= 126) return true;
		int t = Character.getType(c);
		return t == Character.CONNECTOR_PUNCTUATION || t == Character.DASH_PUNCTUATION || t == Character.START_PUNCTUATION
			|| t == Character.END_PUNCTUATION || t == Character.INITIAL_QUOTE_PUNCTUATION
			|| t == Character.FINAL_QUOTE_PUNCTUATION || t == Character.OTHER_PUNCTUATION;
	}

	/** The CJK Unified Ideographs blocks BERT sets apart (not Hangul, Hiragana or Katakana). */
	private static boolean isCjk(int c) {
		return c >= 0x4E00 && c <= 0x9FFF || c >= 0x3400 && c <= 0x4DBF || c >= 0x20000 && c <= 0x2A6DF
			|| c >= 0x2A700 && c <= 0x2B73F || c >= 0x2B740 && c <= 0x2B81F || c >= 0x2B820 && c <= 0x2CEAF
			|| c >= 0xF900 && c <= 0xFAFF || c >= 0x2F800 && c <= 0x2FA1F;
	}
}
