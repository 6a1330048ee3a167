package org.mvpseg.image;

/** A rectangle of an image in pixels: where a tile of a huge image lies, or what a pass measures. */
public record Rect(int x, int y, int width, int height) implements java.io.Serializable {

	/** The whole of {@code src}. */
	public static Rect of(ImageSource src) {
		return new Rect(0, 0, src.width(), src.height());
	}
}
