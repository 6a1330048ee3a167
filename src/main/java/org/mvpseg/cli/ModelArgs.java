package org.mvpseg.cli;

import org.mvpseg.pipeline.ModelChoice;

import java.nio.file.Path;
import java.util.Set;

/** The options every model-using subcommand shares: --weights or --model, with the cache and registry, and --device. */
final class ModelArgs {

	static final Set<String> OPTIONS = Set.of("model", "weights", "models-dir", "registry", "device");
	static final String USAGE = "[--model ViT-B/16 | --weights FILE] [--models-dir DIR] [--registry FILE] "
		+ "[--device auto|cpu|gpu|gpu:N]";

	private ModelArgs() {}

	static ModelChoice choice(Args a) {
		return new ModelChoice(path(a, "weights"), a.get("model", null), path(a, "models-dir"), path(a, "registry"));
	}

	private static Path path(Args a, String key) {
		return a.has(key) ? a.path(key) : null;
	}
}
