package org.mvpseg.fiji;

import ij.ImagePlus;
import org.mvpseg.imagej.ImageFiles;

import java.nio.file.Path;

/**
 * Functions the shipped macros reach with {@code call(...)}: they return a message instead of raising a dialog, so
 * a macro run with {@code ImageJ -batch} never waits for a click it cannot get.
 */
public final class MacroCalls {

	private MacroCalls() {}

	/**
	 * Opens an image as the current one (a batch-mode image in batch mode) and returns "", or returns why it cannot
	 * be opened (damaged, truncated, not an image) and opens nothing — where the macro's own {@code open()} could stop
	 * on an error dialog.
	 */
	public static String open(String path) {
		try {
			ImagePlus imp = ImageFiles.open(Path.of(path));
			imp.show();
			return "";
		}
		catch (Exception | OutOfMemoryError e) {
			return Errors.message(e).replaceFirst("^MVP-SEG: ", "");
		}
	}
}
