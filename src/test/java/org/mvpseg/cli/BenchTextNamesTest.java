package org.mvpseg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.mvpseg.TestFiles;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code bench --text-names}: the class-name figures, with the difference prefix reuse makes checked on the way. */
class BenchTextNamesTest {

	@Test
	void measuresNewNamesAndNamesSeenBefore() {
		MainTest.Result r = MainTest.run("bench", "--weights", TestFiles.fixture("clip-vit-tiny").resolve("clip.safetensors")
			.toString(), "--text-names", "3", "--repeat", "2", "--warmup", "0");
		assertEquals(0, r.code(), r.err());
		String out = r.out();
		for (String s : new String[] { "85 template(s): prefix", "1 template(s): prefix", "full, 1 name",
			"prefix reuse, 3 names", "full batched, 3 names", "seen before, 3 names", "full / prefix reuse" })
			assertTrue(out.contains(s), s + " missing from\n" + out);
		Matcher m = Pattern.compile("max abs difference ([0-9.e+-]+)").matcher(out);
		int n = 0;
		while (m.find()) {
			assertTrue(Double.parseDouble(m.group(1)) <= 1e-6, out);
			n++;
		}
		assertEquals(4, n, out);
		assertTrue(out.contains("sentences computed in full (their tokens do not begin with the template's prefix): 0"),
			out);
	}
}
