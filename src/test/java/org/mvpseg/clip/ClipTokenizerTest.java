package org.mvpseg.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;

import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

class ClipTokenizerTest {

	private static int[] ints(JsonArray a) {
		int[] v = new int[a.size()];
		for (int i = 0; i < v.length; i++) v[i] = a.get(i).getAsInt();
		return v;
	}

	@Test
	void matchesOpenAiOnEveryFixtureCase() throws Exception {
		JsonObject f;
		try (var r = new InputStreamReader(getClass().getResourceAsStream("/fixtures/tokenizer_cases.json"),
			StandardCharsets.UTF_8))
		{
			f = JsonParser.parseReader(r).getAsJsonObject();
		}
		assertEquals(ClipTokenizer.SOT, f.get("sot").getAsInt());
		assertEquals(ClipTokenizer.EOT, f.get("eot").getAsInt());
		ClipTokenizer tok = ClipTokenizer.get();
		int n = 0;
		for (JsonElement e : f.getAsJsonArray("cases")) {
			JsonObject c = e.getAsJsonObject();
			String text = c.get("text").getAsString();
			assertArrayEquals(ints(c.getAsJsonArray("bpe")), tok.encode(text), "bpe of " + text);
			assertArrayEquals(ints(c.getAsJsonArray("ids77")), tok.tokenize(text), "ids77 of " + text);
			n++;
		}
		assertEquals(28, n);
	}

	@Test
	void htmlUnescapeFollowsPython() {
		assertEquals("fish & chips", HtmlUnescape.unescape("fish &amp; chips"));
		assertEquals("<b>", HtmlUnescape.unescape("&lt;b&gt;"));
		assertEquals("\u20ac", HtmlUnescape.unescape("&#128;")); // windows-1252 remap
		assertEquals("\u00e9t\u00e9", HtmlUnescape.unescape("&eacute;t&eacute;"));
		assertEquals("\u00acit;", HtmlUnescape.unescape("&notit;")); // longest legacy prefix
		assertEquals("&bogus;", HtmlUnescape.unescape("&bogus;"));
		assertEquals("\uFFFD", HtmlUnescape.unescape("&#xD800;"));
	}
}
