package org.mvpseg.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/**
 * Our WordPiece tokenizer against Hugging Face's own (the Rust tokenizers library BertTokenizerFast runs, through DJL,
 * test scope only), configured as BERT uncased — BertNormalizer, BertPreTokenizer, WordPiece, [CLS]/[SEP], padding and
 * truncation — over a vocabulary of 40 000 pieces built from CLIP's BPE merges, on several hundred strings: scientific
 * terms, accents, CJK, punctuation, controls and unusual spaces, over-long words and texts, and random mixtures.
 */
class WordPieceTokenizerTest {

	static final int CONTEXT = 256;

	@TempDir
	Path tmp;

	/** BERT's special tokens at BERT's ids, then single characters, then CLIP's merged pieces (word-initial and ##). */
	static List<String> vocabulary() throws Exception {
		Set<String> v = new LinkedHashSet<>();
		v.add("[PAD]");
		for (int i = 1; i < 100; i++) v.add("[unused" + i + "]");
		v.addAll(List.of("[UNK]", "[CLS]", "[SEP]", "[MASK]"));
		for (char c = 33; c < 127; c++) if (!Character.isUpperCase(c)) v.add(String.valueOf(c));
		for (char c = 'a'; c <= 'z'; c++) v.add("##" + c);
		for (char c = '0'; c <= '9'; c++) v.add("##" + c);
		for (String cjk : new String[] { "细", "胞", "核", "线", "粒", "体", "膜", "组", "织" }) v.add(cjk);
		try (BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(ClipTokenizer.class
			.getResourceAsStream("bpe_simple_vocab_16e6.txt.gz")), StandardCharsets.UTF_8))) {
			r.readLine(); // version line
			for (String line; (line = r.readLine()) != null && v.size() < 40_000;) {
				String piece = line.replace(" ", "");
				boolean end = piece.endsWith("</w>");
				piece = end ? piece.substring(0, piece.length() - 4) : piece;
				if (!piece.matches("[a-z0-9]+")) continue;
				v.add(piece);
				if (!end || piece.length() < 5) v.add("##" + piece);
			}
		}
		return new ArrayList<>(v);
	}

	/** The tokenizer.json of BERT uncased over {@code vocab}, as Hugging Face writes it. */
	static Path tokenizerJson(List<String> vocab, Path dir) throws Exception {
		JsonObject model = new JsonObject(), ids = new JsonObject();
		for (int i = 0; i < vocab.size(); i++) ids.addProperty(vocab.get(i), i);
		model.addProperty("type", "WordPiece");
		model.addProperty("unk_token", "[UNK]");
		model.addProperty("continuing_subword_prefix", "##");
		model.addProperty("max_input_chars_per_word", WordPieceTokenizer.MAX_WORD);
		model.add("vocab", ids);
		JsonObject normalizer = new JsonObject();
		normalizer.addProperty("type", "BertNormalizer");
		normalizer.addProperty("clean_text", true);
		normalizer.addProperty("handle_chinese_chars", true);
		normalizer.add("strip_accents", com.google.gson.JsonNull.INSTANCE);
		normalizer.addProperty("lowercase", true);
		JsonObject pre = new JsonObject(), post = new JsonObject();
		pre.addProperty("type", "BertPreTokenizer");
		post.addProperty("type", "BertProcessing");
		post.add("sep", pair("[SEP]", vocab.indexOf("[SEP]")));
		post.add("cls", pair("[CLS]", vocab.indexOf("[CLS]")));
		JsonArray added = new JsonArray();
		for (String special : new String[] { "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]" }) {
			JsonObject t = new JsonObject();
			t.addProperty("id", vocab.indexOf(special));
			t.addProperty("content", special);
			for (String f : new String[] { "single_word", "lstrip", "rstrip", "normalized" }) t.addProperty(f, false);
			t.addProperty("special", true);
			added.add(t);
		}
		JsonObject root = new JsonObject();
		root.addProperty("version", "1.0");
		root.add("added_tokens", added);
		root.add("normalizer", normalizer);
		root.add("pre_tokenizer", pre);
		root.add("post_processor", post);
		root.add("model", model);
		Path json = dir.resolve("tokenizer.json");
		Files.writeString(json, root.toString());
		return json;
	}

	private static JsonArray pair(String token, int id) {
		JsonArray a = new JsonArray();
		a.add(token);
		a.add(id);
		return a;
	}

	static List<String> texts() {
		List<String> t = new ArrayList<>(List.of("nucleus", "a photo of a nucleus.", "Mitochondria", "cytoplasm",
			"endoplasmic reticulum", "Golgi apparatus", "adenocarcinoma", "hematoxylin and eosin (H&E) stain",
			"Ki-67 positive tumour cells", "CD8+ T-lymphocytes", "glomerulus", "a histopathology image of {}.",
			"this is a microscopy image of mitochondria.", "PD-L1 expression", "HER2/neu", "p53", "IL-6", "TNF-α",
			"α-smooth muscle actin", "β-catenin", "γ-H2AX foci", "Ångström resolution", "naïve T cells", "café au lait",
			"Müller glia", "señor", "Ærø", "façade", "crème brûlée", "Dvořák", "İstanbul", "ΣΊΣΥΦΟΣ", "Straße",
			"ﬁbroblast", "Ｆｕｌｌｗｉｄｔｈ", "细胞核", "线粒体 and 细胞膜", "組織", "한국어 세포", "ひらがな カタカナ",
			"cell,nucleus;membrane:background", "(nucleus)", "[nucleus]", "{nucleus}", "nucleus!!!", "what?", "a--b",
			"50% confluent", "10 µm scale bar", "x 40 magnification", "$100", "a+b=c", "e^x", "`code`", "~tilde~",
			"quote \"nucleus\"", "it's a cell", "cells'", "«nucleus»", "„Zelle“", "‘single’", "—dash—", "…", "¿qué?",
			"tab\tseparated", "new\nline", "carriage\rreturn", "non\u00a0breaking", "zero\u200bwidth", "soft\u00adhyphen",
			"bell\u0007char", "nul\u0000char", "\ufffdreplacement", "ideographic\u3000space", "line\u2028separator",
			"emoji 🔬 microscope", "🧫🧪", "", " ", "   leading and trailing   ", "UPPER lower MiXeD",
			"supercalifragilisticexpialidocious", "pneumonoultramicroscopicsilicovolcanoconiosis",
			"a".repeat(100), "b".repeat(101), "nucleus ".repeat(300).strip(), "x".repeat(5000),
			"1234567890", "3.14159", "2024-12-07", "e.g. i.e. etc.", "C. elegans", "D. melanogaster", "E. coli K-12"));
		Random r = new Random(20261207);
		String pool = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:!?()[]{}-_+'\"/éèüöñçÅØ"
			+ "细胞核组织αβγΣ\t\n\u00a0";
		int[] cps = pool.codePoints().toArray();
		for (int i = 0; i < 250; i++) {
			StringBuilder b = new StringBuilder();
			int n = 1 + r.nextInt(60);
			for (int k = 0; k < n; k++) b.appendCodePoint(cps[r.nextInt(cps.length)]);
			t.add(b.toString());
		}
		return t;
	}

	@Test
	void piecesAndIdsEqualHuggingFacesTokenizer() throws Exception {
		List<String> vocab = vocabulary();
		WordPieceTokenizer ours = new WordPieceTokenizer(vocab);
		List<String> texts = texts();
		assertTrue(texts.size() >= 300, "at least 300 strings: " + texts.size());
		int pieces = 0, unknown = 0;
		try (HuggingFaceTokenizer plain = HuggingFaceTokenizer.builder().optTokenizerPath(tokenizerJson(vocab, tmp))
			.optAddSpecialTokens(false).optTruncation(false).optPadding(false).build();
			HuggingFaceTokenizer padded = HuggingFaceTokenizer.builder().optTokenizerPath(tmp.resolve("tokenizer.json"))
				.optMaxLength(CONTEXT).optTruncation(true).optPadToMaxLength().build())
		{
			for (String text : texts) {
				String shown = text.length() > 80 ? text.substring(0, 80) + "…" : text;
				List<String> reference = List.of(plain.encode(text).getTokens());
				assertEquals(reference, ours.tokenize(text), "pieces of \"" + shown + "\"");
				Encoding e = padded.encode(text);
				long[] expected = e.getIds();
				int[] got = ours.encode(text, CONTEXT);
				assertEquals(CONTEXT, expected.length, shown);
				long[] gotLong = new long[got.length];
				for (int i = 0; i < got.length; i++) gotLong[i] = got[i];
				assertArrayEquals(expected, gotLong, "ids of \"" + shown + "\"");
				pieces += reference.size();
				unknown += (int) reference.stream().filter("[UNK]"::equals).count();
			}
		}
		assertTrue(pieces > 3000 && unknown > 10 && unknown < pieces / 4, "a test that exercises the vocabulary: "
			+ pieces + " pieces, " + unknown + " unknown");
	}

	@Test
	void aVocabularyWithoutBertsSpecialTokensIsRefused() {
		var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> new WordPieceTokenizer(
			List.of("a", "b")));
		assertTrue(e.getMessage().contains("[UNK]"), e.getMessage());
	}
}
