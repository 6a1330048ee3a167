package org.mvpseg.fiji;

import ij.ImagePlus;
import ij.ImageStack;
import ij.process.ColorProcessor;
import ij.process.ImageProcessor;
import org.mvpseg.image.ArrayImage;
import org.mvpseg.image.ImageSource;

/**
 * One Z/T plane of an ImagePlus as an {@link ImageSource}, reading ImageJ's pixel arrays in place
 * (never modifying them). RGB gives three 8-bit channels; a composite gives its C channels;
 * indexed-colour 8-bit images are read as the colours they show.
 */
public final class ImagePlusSource implements ImageSource {

	private final int width, height, channels;
	private final Kind kind;
	private final Object[] planes; // byte[], short[], float[] per channel, or one int[] for RGB
	private final boolean rgb;
	private final ImageSource.Calibration calibration;

	/** Plane {@code z}, {@code t} (1-based) of {@code imp}. */
	public ImagePlusSource(ImagePlus imp, int z, int t) {
		if (z < 1 || z > imp.getNSlices() || t < 1 || t > imp.getNFrames()) throw new IllegalArgumentException(
			"Plane z=" + z + ", t=" + t + " does not exist in " + imp.getTitle() + " (" + imp.getNSlices() + " slices, "
				+ imp.getNFrames() + " frames).");
		width = imp.getWidth();
		height = imp.getHeight();
		ImageStack stack = imp.getStack();
		int type = imp.getType();
		if (type == ImagePlus.COLOR_RGB || type == ImagePlus.COLOR_256) {
			ImageProcessor ip = stack.getProcessor(imp.getStackIndex(1, z, t));
			// An indexed-colour image is read as the colours it shows (a copy; the original is untouched).
			int[] px = (int[]) (ip instanceof ColorProcessor ? ip.getPixels() : ip.convertToRGB().getPixels());
			planes = new Object[] { px };
			channels = 3;
			kind = Kind.U8;
			rgb = true;
		}
		else {
			channels = imp.getNChannels();
			planes = new Object[channels];
			for (int c = 0; c < channels; c++) planes[c] = stack.getPixels(imp.getStackIndex(c + 1, z, t));
			kind = switch (type) {
				case ImagePlus.GRAY8 -> Kind.U8;
				case ImagePlus.GRAY16 -> Kind.U16;
				case ImagePlus.GRAY32 -> Kind.F32;
				default -> throw new IllegalArgumentException("Unsupported image type " + type + " of " + imp.getTitle()
					+ "; convert it to 8-bit, 16-bit, 32-bit or RGB (Image > Type).");
			};
			rgb = false;
		}
		ij.measure.Calibration cal = imp.getCalibration();
		calibration = cal != null && cal.scaled() ? new ImageSource.Calibration(cal.pixelWidth, cal.pixelHeight, cal
			.getUnit()) : ImageSource.Calibration.NONE;
	}

	@Override
	public int width() {
		return width;
	}

	@Override
	public int height() {
		return height;
	}

	@Override
	public int channels() {
		return channels;
	}

	@Override
	public Kind kind() {
		return kind;
	}

	@Override
	public ImageSource.Calibration calibration() {
		return calibration;
	}

	@Override
	public void read(int c, int x, int y, int w, int h, float[] dst) {
		ArrayImage.readPlane(rgb ? planes[0] : planes[c], c, width, x, y, w, h, dst);
	}
}
