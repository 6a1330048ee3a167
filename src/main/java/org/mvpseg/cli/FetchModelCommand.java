package org.mvpseg.cli;

import org.mvpseg.models.ModelCache;
import org.mvpseg.models.ModelRegistry;
import org.mvpseg.models.ModelResolver;

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
		// the resolver also fetches the files beside the weights (a model's config and vocabulary)
		Path file = ModelResolver.resolve(null, e.name(), registry, cache, new ConsoleProgress(System.err)).weights();
		String recorded = e.sha256() == null ? ModelCache.recorded(file) : null;
		out.println(e.name() + ": " + file + (e.sha256() != null ? " (SHA-256 verified)" : " (the registry pins no "
			+ "SHA-256; this download's, recorded beside the file: " + recorded + " — compare it with the model's "
			+ "page)"));
		return 0;
	}
}
