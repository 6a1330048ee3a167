package org.mvpseg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Each usage line lists every option its subcommand accepts, and the README's table shows exactly those lines. */
class UsageAndReadmeTest {

	static final List<String> SUBCOMMANDS = List.of("segment", "train", "evaluate", "transfer", "synthetic-data", "fetch-model",
		"models", "engine", "bench", "tokenize", "verify-reference");

	private static Set<String> optionsIn(String text) {
		Set<String> s = new TreeSet<>();
		Matcher m = Pattern.compile("--([a-z][a-z0-9-]*)").matcher(text);
		while (m.find()) s.add(m.group(1));
		return s;
	}

	@Test
	void everyAcceptedOptionIsInTheUsageLine() {
		for (String sub : SUBCOMMANDS) {
			Main.Subcommand cmd = Main.command(sub);
			Args.UsageException e = assertThrows(Args.UsageException.class, () -> cmd.run(new String[] { sub,
				"--zz-not-an-option", "x" }, System.out), sub + " parses its options with Args");
			assertEquals(new TreeSet<>(e.accepted), optionsIn(cmd.usage()), sub + ": options accepted vs. shown in "
				+ cmd.usage());
		}
	}

	@Test
	void theReadmeTableShowsEachUsageLine() throws Exception {
		String readme = Files.readString(Path.of("README.md"));
		List<String> rows = new ArrayList<>();
		for (String line : readme.split("\n")) if (line.startsWith("| `")) rows.add(line);
		for (String sub : SUBCOMMANDS) {
			MainTest.Result help = MainTest.run(sub, "--help");
			String usage = help.out().strip().substring("usage: ".length());
			String row = rows.stream().filter(r -> r.startsWith("| `" + sub + " ") || r.startsWith("| `" + sub + "`"))
				.findFirst().orElse(null);
			assertTrue(row != null, "README has a row for " + sub);
			String shown = row.substring(3, row.indexOf("` |")).replace("\\|", "|");
			assertEquals(usage, shown, "README row of " + sub);
		}
	}
}
