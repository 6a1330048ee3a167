package org.mvpseg.clip;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Python's {@code html.unescape}, which CLIP's tokenizer applies (twice) before BPE. Implemented
 * rule for rule so that strings with entities tokenize exactly as OpenAI's code does.
 */
final class HtmlUnescape {

	private static final Pattern CHARREF =
		Pattern.compile("&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\\t\\n\\f <&#;]{1,32};?)");

	/** Windows-1252 remapping of C1 numeric references, as in the HTML5 spec. */
	private static final int[][] INVALID_CHARREFS = { { 0x00, 0xfffd }, { 0x0d, 0x0d }, { 0x80, 0x20ac },
		{ 0x81, 0x81 }, { 0x82, 0x201a }, { 0x83, 0x192 }, { 0x84, 0x201e }, { 0x85, 0x2026 }, { 0x86, 0x2020 },
		{ 0x87, 0x2021 }, { 0x88, 0x2c6 }, { 0x89, 0x2030 }, { 0x8a, 0x160 }, { 0x8b, 0x2039 }, { 0x8c, 0x152 },
		{ 0x8d, 0x8d }, { 0x8e, 0x17d }, { 0x8f, 0x8f }, { 0x90, 0x90 }, { 0x91, 0x2018 }, { 0x92, 0x2019 },
		{ 0x93, 0x201c }, { 0x94, 0x201d }, { 0x95, 0x2022 }, { 0x96, 0x2013 }, { 0x97, 0x2014 }, { 0x98, 0x2dc },
		{ 0x99, 0x2122 }, { 0x9a, 0x161 }, { 0x9b, 0x203a }, { 0x9c, 0x153 }, { 0x9d, 0x9d }, { 0x9e, 0x17e },
		{ 0x9f, 0x178 } };

	private static volatile Map<String, String> named;

	private HtmlUnescape() {}

	static String unescape(String s) {
		if (s.indexOf('&') < 0) return s;
		Matcher m = CHARREF.matcher(s);
		StringBuilder out = new StringBuilder(s.length());
		while (m.find()) m.appendReplacement(out, Matcher.quoteReplacement(replace(m.group(1))));
		m.appendTail(out);
		return out.toString();
	}

	private static String replace(String ref) {
		if (ref.charAt(0) == '#') {
			String digits = ref.endsWith(";") ? ref.substring(0, ref.length() - 1) : ref;
			boolean hex = digits.length() > 1 && (digits.charAt(1) == 'x' || digits.charAt(1) == 'X');
			java.math.BigInteger big = new java.math.BigInteger(digits.substring(hex ? 2 : 1), hex ? 16 : 10);
			if (big.bitLength() > 31) return "\uFFFD";
			int num = big.intValue();
			for (int[] r : INVALID_CHARREFS) if (r[0] == num) return new String(Character.toChars(r[1]));
			if ((num >= 0xD800 && num <= 0xDFFF) || num > 0x10FFFF) return "\uFFFD";
			if (isInvalidCodepoint(num)) return "";
			return new String(Character.toChars(num));
		}
		Map<String, String> table = named();
		String v = table.get(ref);
		if (v != null) return v;
		for (int x = ref.length() - 1; x > 1; x--) {
			v = table.get(ref.substring(0, x));
			if (v != null) return v + ref.substring(x);
		}
		return "&" + ref;
	}

	private static boolean isInvalidCodepoint(int c) {
		return (c >= 0x1 && c <= 0x8) || c == 0xb || (c >= 0xe && c <= 0x1f) || (c >= 0x7f && c <= 0x9f)
			|| (c >= 0xfdd0 && c <= 0xfdef) || (c & 0xfffe) == 0xfffe;
	}

	private static Map<String, String> named() {
		Map<String, String> t = named;
		if (t != null) return t;
		t = new HashMap<>(4096);
		try (InputStream in = HtmlUnescape.class.getResourceAsStream("html5-entities.tsv");
			BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)))
		{
			for (String line; (line = r.readLine()) != null;) {
				if (line.startsWith("#") || line.isEmpty()) continue;
				int tab = line.indexOf('\t');
				StringBuilder sb = new StringBuilder();
				for (String cp : line.substring(tab + 1).split(" ")) sb.appendCodePoint(Integer.parseInt(cp, 16));
				t.put(line.substring(0, tab), sb.toString());
			}
		}
		catch (IOException | NullPointerException e) {
			throw new UncheckedIOException(new IOException("html5-entities.tsv is missing from the jar", e));
		}
		named = t;
		return t;
	}
}
