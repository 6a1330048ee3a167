package org.mvpseg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The package graph docs/architecture.md draws: a core free of ImageJ, adapters apart, no cycles. */
class ArchitectureTest {

	static final Set<String> CORE = Set.of("clip", "clip.io", "image", "segment", "features", "mvp", "pipeline", "models", "io",
		"runtime", "files", "engine", "student", "objects");
	static final Pattern REF = Pattern.compile("\\b(org\\.mvpseg\\.[a-z.]+?)\\.[A-Z]|^import (ij|org\\.scijava)\\.",
		Pattern.MULTILINE);

	/** package → the packages (ours, or "ij"/"scijava") its sources refer to. */
	static Map<String, Set<String>> graph() throws Exception {
		Path root = Path.of("src/main/java/org/mvpseg");
		Map<String, Set<String>> g = new TreeMap<>();
		try (Stream<Path> files = Files.walk(root)) {
			for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
				String pkg = root.relativize(f.getParent()).toString().replace('/', '.');
				Set<String> deps = g.computeIfAbsent(pkg, k -> new TreeSet<>());
				Matcher m = REF.matcher(Files.readString(f));
				while (m.find()) {
					String d = m.group(1) != null ? m.group(1).substring("org.mvpseg.".length()) : m.group(2).equals("ij")
						? "ij" : "scijava";
					if (!d.equals(pkg)) deps.add(d);
				}
			}
		}
		return g;
	}

	@Test
	void theCoreKnowsNothingOfImageJAndAdaptersNothingOfEachOther() throws Exception {
		Map<String, Set<String>> g = graph();
		for (String p : CORE) for (String bad : List.of("ij", "scijava", "cli", "fiji", "imagej")) assertTrue(!g
			.getOrDefault(p, Set.of()).contains(bad), p + " must not use " + bad + ": " + g.get(p));
		assertTrue(!g.get("cli").contains("fiji"), "cli uses " + g.get("cli"));
		assertTrue(!g.get("fiji").contains("cli") && !g.get("fiji").contains("spark"), "fiji uses " + g.get("fiji"));
		for (String shared : List.of("imagej", "batch")) for (String adapter : List.of("cli", "fiji", "spark"))
			assertTrue(!g.get(shared).contains(adapter), shared + " uses " + g.get(shared));
	}

	/**
	 * The Spark job takes the job record the {@code spark} subcommand parsed, never the command line: nothing in
	 * {@code spark} (driver or executors) refers to {@code cli}, so no executor can parse options again.
	 */
	@Test
	void sparkKnowsNothingOfTheCommandLine() throws Exception {
		Map<String, Set<String>> g = graph();
		assertTrue(!g.get("spark").contains("cli") && !g.get("spark").contains("fiji"), "spark uses " + g.get("spark"));
	}

	@Test
	void packagesFormNoCycle() throws Exception {
		Map<String, Set<String>> g = graph();
		List<String> cycles = new ArrayList<>();
		for (String start : g.keySet()) {
			Set<String> seen = new TreeSet<>();
			List<String> todo = new ArrayList<>(g.get(start));
			while (!todo.isEmpty()) {
				String p = todo.remove(todo.size() - 1);
				if (p.equals(start)) cycles.add(start);
				if (seen.add(p)) todo.addAll(g.getOrDefault(p, Set.of()));
			}
		}
		assertEquals(List.of(), cycles, "packages on a cycle; graph: " + g);
	}
}
