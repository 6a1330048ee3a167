package org.mvpseg.cli;

import org.mvpseg.models.ModelCache;
import org.mvpseg.models.ModelDownloader;
import org.mvpseg.models.ModelRegistry;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Set;

/** {@code fetch-model NAME}: downloads and verifies a registry model into the cache. */
final class FetchModelCommand implements Main.Subcommand {

	@Override
	public String usage() {
		return "fetch-model NAME [--registry FILE] [--dir DIR]";
	}

	@Override
	public int run(String[] argv, PrintStream out) throws Exception {
		Args a = new Args(argv, 1, Set.of("registry", "dir"), Set.of());
		if (a.positional.size() != 1) throw new Args.UsageException("give one model name, e.g. ViT-B/16");
		ModelRegistry registry = a.has("registry") ? ModelRegistry.read(a.path("registry")) : ModelRegistry.builtIn();
		ModelRegistry.Entry e = registry.get(a.positional.get(0));
		ModelCache cache = ModelCache.locate(a.has("dir") ? a.path("dir") : null);
		Path file = new ModelDownloader(cache).fetch(e, new ConsoleProgress(System.err));
		out.println(e.name() + ": " + file + " (SHA-256 verified)");
		return 0;
	}
}
