package org.mvpseg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.mvpseg.pipeline.SegmentOption;

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

	/** spark takes "the options of segment", as its usage line says: every one (--drop-absent was missing). */
	@Test
	void sparkAcceptsEveryOptionOfSegment() {
		Set<String> segment = accepted("segment"), spark = accepted("spark");
		segment.removeAll(spark);
		assertEquals(Set.of(), segment, "options of segment that spark refuses");
	}

	private static Set<String> accepted(String sub) {
		return new TreeSet<>(assertThrows(Args.UsageException.class, () -> Main.command(sub).run(new String[] { sub,
			"--zz-not-an-option", "x" }, System.out)).accepted);
	}

	/**
	 * README's option table is pipeline.SegmentOption's: a row for each option that says what leaving it out means
	 * (the table's words), Fiji's macro keys exactly as the table has them, and no row for an option it lacks
	 * (beside {@code --device}, which training takes too).
	 */
	@Test
	void theReadmeOptionTableIsTheOptionTable() throws Exception {
		Set<SegmentOption> shown = java.util.EnumSet.noneOf(SegmentOption.class);
		for (String line : Files.readString(Path.of("README.md")).split("\n")) {
			if (!line.startsWith("| `--")) continue;
			String[] cells = line.split("(?<!\\\\) \\| ");
			String[] names = cells[0].substring(2).split("\\(Fiji/macro", 2);
			Set<String> flags = optionsIn(names[0]), macroKeys = new TreeSet<>(), expectedKeys = new TreeSet<>();
			if (names.length > 1) macroKeys.addAll(backticked(names[1]));
			if (flags.equals(Set.of("device"))) continue;
			for (String flag : flags) {
				SegmentOption o = java.util.Arrays.stream(SegmentOption.values()).filter(x -> x.flag().equals(flag))
					.findFirst().orElse(null);
				assertTrue(o != null && o.automatic() != null, "README's option table has a row for --" + flag
					+ ", which pipeline.SegmentOption does not document: " + line);
				assertEquals(o.automatic(), cells[1].strip(), "README: what leaving --" + flag + " out means");
				if (o.macroKey() != null) expectedKeys.add(o.macroKey());
				shown.add(o);
			}
			assertEquals(expectedKeys, macroKeys, "README: Fiji's macro keys of " + flags);
		}
		for (SegmentOption o : SegmentOption.values()) assertTrue(o.automatic() == null || shown.contains(o),
			"README's option table has no row for --" + o.flag());
	}

	private static List<String> backticked(String text) {
		List<String> out = new ArrayList<>();
		Matcher m = Pattern.compile("`([^`]+)`").matcher(text);
		while (m.find()) out.add(m.group(1));
		return out;
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
