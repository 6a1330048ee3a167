package org.mvpseg.imagej;

import ij.ImagePlus;
import ij.ImageStack;
import ij.process.ColorProcessor;
import ij.process.ImageProcessor;
import org.mvpseg.image.AbstractImageSource;
import org.mvpseg.image.ArrayImage;
import org.mvpseg.image.ImageSource;

/**
 * One Z/T plane of an ImagePlus as an {@link ImageSource}, reading ImageJ's pixel arrays in place
 * (never modifying them). RGB gives three 8-bit channels; a composite gives its C channels;
 * indexed-colour 8-bit images, and 8-bit images with a colour lookup table (palette PNGs), are read as the colours
 * they show.
 */
public final class ImagePlusSource extends AbstractImageSource {

	private final int width;
	private final Object[] planes; // byte[], short[], float[] per channel, or one int[] for RGB
	private final boolean rgb;

	/** Plane {@code z}, {@code t} (1-based) of {@code imp}. */
	public ImagePlusSource(ImagePlus imp, int z, int t) {
		this(Plane.of(imp, z, t));
	}

	private ImagePlusSource(Plane p) {
		super(p.width, p.height, p.channels, p.kind, p.calibration);
		this.width = p.width;
		this.planes = p.planes;
		this.rgb = p.rgb;
	}

	/** What the constructor needs to know about one plane of an ImagePlus. */
	private record Plane(int width, int height, int channels, Kind kind, Object[] planes, boolean rgb,
		ImageSource.Calibration calibration)
	{
		static Plane of(ImagePlus imp, int z, int t) {
			if (z < 1 || z > imp.getNSlices() || t < 1 || t > imp.getNFrames()) throw new IllegalArgumentException(
				"Plane z=" + z + ", t=" + t + " does not exist in " + imp.getTitle() + " (" + imp.getNSlices()
					+ " slices, " + imp.getNFrames() + " frames).");
			ImageStack stack = imp.getStack();
			int type = imp.getType();
			ij.measure.Calibration cal = imp.getCalibration();
			ImageSource.Calibration c = cal != null && cal.scaled() ? new ImageSource.Calibration(cal.pixelWidth,
				cal.pixelHeight, cal.getUnit()) : ImageSource.Calibration.NONE;
			if (type == ImagePlus.COLOR_RGB || type == ImagePlus.COLOR_256 || shownInColour(imp)) {
				ImageProcessor ip = stack.getProcessor(imp.getStackIndex(1, z, t));
				// An indexed-colour image is read as the colours it shows (a copy; the original is untouched).
				int[] px = (int[]) (ip instanceof ColorProcessor ? ip.getPixels() : ip.convertToRGB().getPixels());
				return new Plane(imp.getWidth(), imp.getHeight(), 3, Kind.U8, new Object[] { px }, true, c);
			}
			Object[] planes = new Object[imp.getNChannels()];
			for (int i = 0; i < planes.length; i++) planes[i] = stack.getPixels(imp.getStackIndex(i + 1, z, t));
			Kind kind = switch (type) {
				case ImagePlus.GRAY8 -> Kind.U8;
				case ImagePlus.GRAY16 -> Kind.U16;
				case ImagePlus.GRAY32 -> Kind.F32;
				default -> throw new IllegalArgumentException("Unsupported image type " + type + " of " + imp
					.getTitle() + "; convert it to 8-bit, 16-bit, 32-bit or RGB (Image > Type).");
			};
			return new Plane(imp.getWidth(), imp.getHeight(), planes.length, kind, planes, false, c);
		}
	}

	/**
	 * An 8-bit single-channel image whose lookup table is a palette (a palette PNG or GIF, which ImageJ opens as 8-bit
	 * with the palette as its LUT): its values are indices, and what it shows — the colours — is what it depicts. A
	 * smooth pseudo-colour LUT (Fire, Green, …: what microscopists put on one channel) leaves the values what they
	 * are, intensities, read as grey.
	 */
	private static boolean shownInColour(ImagePlus imp) {
		if (imp.getType() != ImagePlus.GRAY8 || imp.getNChannels() != 1 || imp.isComposite()) return false;
		ImageProcessor ip = imp.getProcessor();
		return ip.isColorLut() && !smooth(ip.getLut());
	}

	/**
	 * Whether neighbouring entries of a LUT are close (at most 96 apart in r + g + b): a ramp such as Fire or Green,
	 * not a palette, whose entries are unrelated colours. (ImageJ's isPseudoColorLut averages over all entries, so a
	 * palette of two colours passes it.)
	 */
	static boolean smooth(ij.process.LUT lut) {
		int n = lut.getMapSize();
		for (int i = 1; i < n; i++) if (Math.abs(lut.getRed(i) - lut.getRed(i - 1)) + Math.abs(lut.getGreen(i) - lut
			.getGreen(i - 1)) + Math.abs(lut.getBlue(i) - lut.getBlue(i - 1)) > 96) return false;
		return true;
	}

	@Override
	public void read(int c, int x, int y, int w, int h, float[] dst) {
		ArrayImage.readPlane(rgb ? planes[0] : planes[c], c, width, x, y, w, h, dst);
	}
}
