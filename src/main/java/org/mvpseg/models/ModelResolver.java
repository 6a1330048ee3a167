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
	 * A local weight file and the SHA-256 that identifies it (prompt sets record and check it). For a
	 * registry model that is the registry's, already verified; a file given by path is hashed only
	 * when asked, once — plain segmentation never needs it.
	 */
	public static final class Resolved {
		private final Path weights;
		private final ModelCache cache;
		private String sha256, identity;

		Resolved(Path weights, String sha256, ModelCache cache) {
			this.weights = weights;
			this.sha256 = sha256;
			this.cache = cache;
		}

		/** The weights' identity by their tensors ({@link WeightIdentity}): what prompt sets record. */
		public synchronized String identity() throws IOException {
			if (identity == null) identity = WeightIdentity.of(weights, cache);
			return identity;
		}

		public Path weights() {
			return weights;
		}

		public synchronized String sha256() throws IOException {
			if (sha256 == null) sha256 = ModelCache.sha256(weights);
			return sha256;
		}
	}

	/**
	 * @param weights an explicit file (wins when given), or null
	 * @param model a registry name (default {@link ModelRegistry#DEFAULT_MODEL}) downloaded on first use
	 */
	public static Resolved resolve(Path weights, String model, ModelRegistry registry, ModelCache cache,
		Progress progress) throws IOException
	{
		if (weights != null) {
			if (Files.isDirectory(weights)) throw new IOException(folderMessage(weights));
			if (!Files.isRegularFile(weights)) throw new NoSuchFileException(weights.toString(), null,
				"weight file not found");
			return new Resolved(weights, null, cache);
		}
		ModelRegistry.Entry e = registry.get(model == null || model.isBlank() ? ModelRegistry.DEFAULT_MODEL : model);
		for (ModelRegistry.Entry b : registry.beside(e)) // a model's config and vocabulary, small: fetched first
			if (!cache.isPresent(b)) new ModelDownloader(cache).fetch(b, progress);
		if (cache.isPresent(e)) return new Resolved(cache.verified(e), e.sha256(), cache);
		String size = registry.about(e.name()).sizeText();
		progress.update("downloading " + e.name() + " (first use; about " + (size != null ? size : sizeHint(e)) + ") into "
			+ cache.dir(), 0,
			e.size());
		return new Resolved(new ModelDownloader(cache).fetch(e, progress), e.sha256(), cache);
	}

	/** What to say when the weights given are a folder. */
	public static String folderMessage(Path weights) {
		return "The weights " + weights + " are a folder; give the weight file in it (.pt or .safetensors), or a model "
			+ "name instead.";
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
