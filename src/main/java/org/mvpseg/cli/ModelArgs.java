package org.mvpseg.cli;

import org.mvpseg.models.ModelCache;
import org.mvpseg.models.ModelRegistry;
import org.mvpseg.models.ModelResolver;
import org.mvpseg.runtime.Progress;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;

/** The options every model-using subcommand shares: --weights or --model, with the cache and registry. */
final class ModelArgs {

	static final Set<String> OPTIONS = Set.of("model", "weights", "models-dir", "registry");
	static final String USAGE = "[--model ViT-B/16 | --weights FILE] [--models-dir DIR]";

	private ModelArgs() {}

	record Resolved(Path weights, String sha256) {}

	/** The weight file, downloaded and verified on first use when given by name, and its SHA-256. */
	static Resolved resolve(Args a, Progress progress) throws IOException {
		ModelRegistry registry = a.has("registry") ? ModelRegistry.read(a.path("registry")) : ModelRegistry.builtIn();
		ModelCache cache = ModelCache.locate(a.has("models-dir") ? a.path("models-dir") : null);
		Path explicit = a.has("weights") ? a.path("weights") : null;
		Path weights = ModelResolver.resolve(explicit, a.get("model", null), registry, cache, progress);
		String sha = explicit == null ? registry.get(a.get("model", ModelRegistry.DEFAULT_MODEL)).sha256()
			: ModelCache.sha256(weights);
		return new Resolved(weights, sha);
	}
}
