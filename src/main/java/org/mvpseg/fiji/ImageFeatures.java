package org.mvpseg.fiji;

import ij.ImageListener;
import ij.ImagePlus;
import org.mvpseg.features.FeatureMemory;
import org.mvpseg.features.FeatureStore;
import org.mvpseg.pipeline.ModelService;
import org.mvpseg.pipeline.Prepared;

import java.io.IOException;

/**
 * Open images' features in memory (docs/features.md): a plane segmented once is segmented again with other names
 * without CLIP's image tower. The plane is named by the image's ID, so a closed image's features are released (an
 * {@link ImageListener}) and another image never meets them; an edited plane is safe too, since every window is
 * checked against its pixels.
 */
final class ImageFeatures {

	private ImageFeatures() {}

	private static volatile boolean listening;

	/** The store for plane (z, t) of {@code imp} under pipeline {@code p}. */
	static FeatureStore store(ImagePlus imp, int z, int t, Prepared p) throws IOException {
		listen();
		FeatureMemory.Image image = new FeatureMemory.Image(imp.getID() + ":" + z + ":" + t, "\"" + imp.getTitle() + "\""
			+ (imp.getStackSize() > 1 ? " (z=" + z + ", t=" + t + ")" : ""));
		return ModelService.shared().features().run(image, p.featureIdentity());
	}

	/**
	 * Forgets every plane of {@code imp}. ImageJ tells listeners when an image's window closes; an image without a
	 * window (a macro's batch mode) is not announced, and its features go when newer images push them out.
	 */
	static void release(ImagePlus imp) {
		String id = imp.getID() + ":";
		ModelService.shared().features().release(i -> i.id().startsWith(id));
	}

	/** Releases an image's features when it closes. */
	private static synchronized void listen() {
		if (listening) return;
		ImagePlus.addImageListener(new ImageListener() {
			@Override
			public void imageOpened(ImagePlus imp) {}

			@Override
			public void imageClosed(ImagePlus imp) {
				release(imp);
			}

			@Override
			public void imageUpdated(ImagePlus imp) {}
		});
		listening = true;
	}
}
