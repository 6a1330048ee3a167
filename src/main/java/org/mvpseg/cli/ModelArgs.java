package org.mvpseg.cli;

import org.mvpseg.models.ModelCache;
import org.mvpseg.models.ModelRegistry;
import org.mvpseg.models.ModelResolver;
import org.mvpseg.runtime.Progress;

import java.io.IOException;
import java.util.Set;

/** The options every model-using subcommand shares: --weights or --model, with the cache and registry. */
final class ModelArgs {

	static final Set<String> OPTIONS = Set.of("model", "weights", "models-dir", "registry");
	static final String USAGE = "[--model ViT-B/16 | --weights FILE] [--models-dir DIR]";

	private ModelArgs() {}

	/** The weight file, downloaded and verified on first use when given by name, and its SHA-256 on demand. */
	static ModelResolver.Resolved resolve(Args a, Progress progress) throws IOException {
		ModelRegistry registry = a.has("registry") ? ModelRegistry.read(a.path("registry")) : ModelRegistry.builtIn();
		ModelCache cache = ModelCache.locate(a.has("models-dir") ? a.path("models-dir") : null);
		return ModelResolver.resolve(a.has("weights") ? a.path("weights") : null, a.get("model", null), registry, cache,
			progress);
	}
}
