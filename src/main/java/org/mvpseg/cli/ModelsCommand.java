package org.mvpseg.cli;

import org.mvpseg.models.ModelCache;
import org.mvpseg.models.ModelRegistry;

import java.io.PrintStream;
import java.nio.file.Files;
import java.util.Set;

/** {@code models}: the known models, what is cached, sizes, and whether checksums are verified. */
final class ModelsCommand implements Main.Subcommand {

	@Override
	public String usage() {
		return "models [--registry FILE] [--dir DIR] [--verify]";
	}

	@Override
	public int run(String[] argv, PrintStream out) throws Exception {
		Args a = new Args(argv, 1, Set.of("registry", "dir"), Set.of("verify"));
		ModelRegistry registry = a.has("registry") ? ModelRegistry.read(a.path("registry")) : ModelRegistry.builtIn();
		ModelCache cache = ModelCache.locate(a.has("dir") ? a.path("dir") : null);
		out.println("model cache: " + cache.dir() + " (set with --dir, -D" + ModelCache.PROPERTY + " or "
			+ ModelCache.ENV + ")");
		out.printf("%-16s %-38s %10s  %s%n", "name", "file", "size", "status");
		int bad = 0;
		for (ModelRegistry.Entry e : registry.entries()) {
			String status, size = "";
			if (!cache.isPresent(e)) status = "not downloaded";
			else {
				size = String.format("%d MB", Files.size(cache.pathOf(e)) >> 20);
				if (cache.isVerified(e)) status = "cached, SHA-256 verified";
				else if (a.has("verify")) {
					try {
						cache.verified(e);
						status = "cached, SHA-256 verified now";
					}
					catch (ModelCache.ChecksumException ex) {
						status = "cached, CHECKSUM MISMATCH: delete it and fetch again";
						bad++;
					}
				}
				else status = "cached, not yet verified (run with --verify)";
			}
			out.printf("%-16s %-38s %10s  %s%s%n", e.name(), e.file(), size, status, e.name().equals(
				ModelRegistry.DEFAULT_MODEL) ? "  [default]" : "");
		}
		return bad == 0 ? 0 : 1;
	}
}
