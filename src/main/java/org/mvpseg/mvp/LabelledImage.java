package org.mvpseg.mvp;

import org.mvpseg.image.ImageSource;

import java.util.List;

/**
 * An annotated image: pixels plus one label per pixel, the index of a class in the dataset's
 * class list ({@link #IGNORE_VALUE} = not annotated).
 */
public record LabelledImage(String name, ImageSource image, int[] labels) {

	/** The usual "ignore" value in label images. */
	public static final int IGNORE_VALUE = 255;

	/**
	 * Label value → position of its class in {@code wanted}, or {@link MvpLosses#IGNORE} for values
	 * whose class is not wanted (and for 255). Every wanted class must be in the dataset's list.
	 */
	public static int[] classIndex(List<String> datasetClasses, List<String> wanted) {
		int[] map = new int[Math.max(datasetClasses.size(), 256)];
		java.util.Arrays.fill(map, MvpLosses.IGNORE);
		for (int i = 0; i < wanted.size(); i++) {
			int n = datasetClasses.indexOf(wanted.get(i));
			if (n < 0) throw new IllegalArgumentException("Class \"" + wanted.get(i) + "\" is not in the dataset's "
				+ "classes.txt " + datasetClasses + ".");
			map[n] = i;
		}
		return map;
	}

	public LabelledImage {
		if (labels.length != image.width() * image.height()) throw new IllegalArgumentException("The label image of "
			+ name + " has " + labels.length + " pixels but the image has " + image.width() + "x" + image.height()
			+ "; they must have the same size.");
	}
}
