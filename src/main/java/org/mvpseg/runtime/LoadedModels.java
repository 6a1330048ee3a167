package org.mvpseg.runtime;

import ai.djl.ndarray.NDManager;
import org.mvpseg.clip.ClipModel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Keeps the last loaded model in memory, so a batch of images (a macro over 100 files, a folder
 * on the command line) loads the weights once. One model at a time: asking for other weights
 * replaces it.
 */
public final class LoadedModels {

	private static NDManager root;
	private static String key;
	private static ClipModel model;

	private LoadedModels() {}

	/** The model for {@code weights}, loading it if it is not the one in memory. */
	public static synchronized ClipModel get(Path weights) throws IOException {
		String k = identity(weights);
		if (model != null && k.equals(key)) return model;
		unload();
		if (root == null) root = Torch.newManager();
		model = ClipModel.load(weights, root);
		key = k;
		return model;
	}

	/** An identity of the weight file (path, size, time) that changes when the file does. */
	public static String identity(Path weights) throws IOException {
		Path p = weights.toAbsolutePath().normalize();
		return p + "@" + Files.size(p) + "@" + Files.getLastModifiedTime(p).toMillis();
	}

	/** The root manager shared by the loaded model and its callers. */
	public static synchronized NDManager manager() {
		if (root == null) root = Torch.newManager();
		return root;
	}

	/** A description of what is loaded, or null. */
	public static synchronized String current() {
		return model == null ? null : key.substring(0, key.indexOf('@')) + " (" + model.config().describe() + ")";
	}

	public static synchronized void unload() {
		if (model != null) model.close();
		model = null;
		key = null;
	}
}
