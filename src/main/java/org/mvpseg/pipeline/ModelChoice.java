package org.mvpseg.pipeline;

import org.mvpseg.models.ModelCache;
import org.mvpseg.models.ModelRegistry;
import org.mvpseg.models.ModelResolver;
import org.mvpseg.runtime.Progress;
import org.mvpseg.runtime.RequestException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Which CLIP weights to use: a file ({@code weights}, which wins when given) or a registry model
 * by name, downloaded into the model cache on first use.
 *
 * @param weights an explicit weight file, or null
 * @param name a registry name (null: the default model)
 * @param modelsDir the model cache (null: flag, property, environment or the user's cache folder)
 * @param registry a registry file replacing the built-in one (tests, mirrors), or null
 */
public record ModelChoice(Path weights, String name, Path modelsDir, Path registry) implements java.io.Serializable {

	public ModelChoice {
		if (name == null || name.isBlank()) name = ModelRegistry.DEFAULT_MODEL;
		name = name.strip();
	}

	/** Sent to Spark's executors: Paths as text ({@link org.mvpseg.files.SerialRecord}). */
	private Object writeReplace() {
		return new org.mvpseg.files.SerialRecord(this);
	}

	/** The default model, from the built-in registry and the default cache. */
	public static ModelChoice byName(String name) {
		return new ModelChoice(null, name, null, null);
	}

	/** The weights as typed: a file (wins when not blank) or a registry name, from this cache and registry. */
	public ModelChoice with(String file, String registryName) {
		return new ModelChoice(SegmentRequest.Builder.path(file), registryName, modelsDir, registry);
	}

	/** Checks the name against the registry before anything loads (a weight file needs no name). */
	public void validate() throws IOException {
		if (weights != null && Files.isDirectory(weights)) throw new RequestException(ModelResolver.folderMessage(
			weights));
		if (weights != null) return;
		try {
			loadRegistry().get(name);
		}
		catch (IllegalArgumentException e) {
			throw RequestException.of(e);
		}
	}

	public ModelRegistry loadRegistry() throws IOException {
		return registry != null ? ModelRegistry.read(registry) : ModelRegistry.builtIn();
	}

	/** A verified local weight file (downloading a registry model on first use). */
	public ModelResolver.Resolved resolve(Progress progress) throws IOException {
		return ModelResolver.resolve(weights, name, loadRegistry(), ModelCache.locate(modelsDir), progress);
	}

}
