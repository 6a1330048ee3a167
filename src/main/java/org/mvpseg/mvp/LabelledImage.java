package org.mvpseg.mvp;

import org.mvpseg.image.ImageSource;

/**
 * An annotated image: pixels plus one label per pixel, the index of a class in the dataset's
 * class list ({@link #IGNORE_VALUE} = not annotated).
 */
public record LabelledImage(String name, ImageSource image, int[] labels) {

	/** The usual "ignore" value in label images. */
	public static final int IGNORE_VALUE = 255;

	public LabelledImage {
		if (labels.length != image.width() * image.height()) throw new IllegalArgumentException("The label image of "
			+ name + " has " + labels.length + " pixels but the image has " + image.width() + "x" + image.height()
			+ "; they must have the same size.");
	}
}
