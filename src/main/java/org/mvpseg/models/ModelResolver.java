package org.mvpseg.models;

import org.mvpseg.runtime.Progress;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Turns "--weights FILE" or "--model NAME" into a verified local weight file. */
public final class ModelResolver {

	private ModelResolver() {}

	/**
	 * @param weights an explicit file (wins when given), or null
	 * @param model a registry name (default {@link ModelRegistry#DEFAULT_MODEL}) downloaded on first use
	 */
	public static Path resolve(Path weights, String model, ModelRegistry registry, ModelCache cache,
		Progress progress) throws IOException
	{
		if (weights != null) {
			if (!Files.isRegularFile(weights)) throw new NoSuchFileException(weights.toString(), null,
				"weight file not found");
			return weights;
		}
		ModelRegistry.Entry e = registry.get(model == null ? ModelRegistry.DEFAULT_MODEL : model);
		if (cache.isPresent(e)) return cache.verified(e);
		progress.update("downloading " + e.name() + " (first use; about " + sizeHint(e) + ") into " + cache.dir(), 0,
			e.size());
		return new ModelDownloader(cache).fetch(e, progress);
	}

	private static String sizeHint(ModelRegistry.Entry e) {
		if (e.size() > 0) return (e.size() >> 20) + " MB";
		return switch (e.name()) {
			case "RN50" -> "244 MB";
			case "RN101" -> "278 MB";
			case "ViT-B/32" -> "338 MB";
			case "ViT-B/16" -> "335 MB";
			case "ViT-L/14" -> "890 MB";
			default -> "several hundred MB";
		};
	}
}
