package org.mvpseg.pipeline;

import ai.djl.ndarray.NDManager;
import org.mvpseg.clip.ClipModel;
import org.mvpseg.runtime.Torch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Keeps the last loaded model in memory, so a batch of images (a macro over 100 files, a folder on
 * the command line) loads the weights once. One model at a time: asking for other weights replaces
 * it. The command line and plain ImageJ use {@link #shared()}; in Fiji a SciJava service owns the
 * same instance and {@link #dispose() disposes} it with its context (docs/architecture.md).
 */
public final class ModelService {

	private static final ModelService SHARED = new ModelService();

	private NDManager root;
	private String key;
	private ClipModel model;
	private final org.mvpseg.features.FeatureMemory features = org.mvpseg.features.FeatureMemory.standard();

	/**
	 * The features of the images segmented last with the loaded model (docs/features.md): front ends that keep images
	 * open (Fiji, the script service) reuse them; cleared when the model is unloaded.
	 */
	public org.mvpseg.features.FeatureMemory features() {
		return features;
	}

	/** The process-wide instance. */
	public static ModelService shared() {
		return SHARED;
	}

	/** The model for {@code weights}, loading it if it is not the one in memory. */
	public synchronized ClipModel get(Path weights) throws IOException {
		return get(weights, ai.djl.ndarray.types.DataType.FLOAT32);
	}

	/** The model for {@code weights} computing in {@code dtype} (FLOAT32, or FLOAT16 for half precision). */
	public synchronized ClipModel get(Path weights, ai.djl.ndarray.types.DataType dtype) throws IOException {
		String k = identity(weights) + "@" + dtype;
		if (root != null && root.isOpen() && !root.getDevice().equals(Torch.defaultDevice())) dispose(); // device changed
		if (model != null && k.equals(key)) return model;
		unload();
		model = ClipModel.load(weights, manager(), dtype);
		key = k;
		return model;
	}

	/** An identity of the weight file (path, size, time) that changes when the file does. */
	public static String identity(Path weights) throws IOException {
		Path p = weights.toAbsolutePath().normalize();
		return p + "@" + Files.size(p) + "@" + Files.getLastModifiedTime(p).toMillis();
	}

	/** The root manager shared by the loaded model and its callers. */
	public synchronized NDManager manager() {
		if (root == null || !root.isOpen()) root = Torch.newManager();
		return root;
	}

	/** A description of what is loaded, or null. */
	public synchronized String current() {
		return model == null ? null : key.substring(0, key.indexOf('@')) + " (" + model.config().describe() + (model
			.dataType() == ai.djl.ndarray.types.DataType.FLOAT16 ? ", half precision" : "") + ")";
	}

	/** Frees the model's native memory; the next {@link #get} loads again. */
	public synchronized void unload() {
		features.clear();
		if (model != null) model.close();
		model = null;
		key = null;
	}

	/** Frees everything, the root manager included. */
	public synchronized void dispose() {
		unload();
		if (root != null) root.close();
		root = null;
	}
}
