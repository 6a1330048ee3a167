package org.mvpseg.cli;

import org.mvpseg.models.ModelResolver;
import org.mvpseg.pipeline.ModelChoice;
import org.mvpseg.runtime.Progress;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;

/** The options every model-using subcommand shares: --weights or --model, with the cache and registry. */
final class ModelArgs {

	static final Set<String> OPTIONS = Set.of("model", "weights", "models-dir", "registry");
	static final String USAGE = "[--model ViT-B/16 | --weights FILE] [--models-dir DIR] [--registry FILE]";

	private ModelArgs() {}

	static ModelChoice choice(Args a) {
		return new ModelChoice(path(a, "weights"), a.get("model", null), path(a, "models-dir"), path(a, "registry"));
	}

	private static Path path(Args a, String key) {
		return a.has(key) ? a.path(key) : null;
	}

	/** The weight file, downloaded and verified on first use when given by name, and its SHA-256 on demand. */
	static ModelResolver.Resolved resolve(Args a, Progress progress) throws IOException {
		ModelChoice c = choice(a);
		c.validate();
		return c.resolve(progress);
	}
}
