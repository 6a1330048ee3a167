package org.mvpseg.imagej;

import ij.ImagePlus;
import net.imglib2.RandomAccess;
import net.imglib2.RandomAccessibleInterval;
import net.imglib2.img.array.ArrayImgs;
import net.imglib2.type.numeric.RealType;
import net.imglib2.type.numeric.integer.UnsignedByteType;
import net.imglib2.type.numeric.integer.UnsignedShortType;
import org.mvpseg.image.AbstractImageSource;

import java.util.ArrayList;
import java.util.List;

/**
 * An {@link ImageSource} over ImgLib2 images, one 2-D {@code RandomAccessibleInterval} per channel,
 * for scripts and tools that hold ImgLib2 data. {@link #wrap} views an ImagePlus plane as ImgLib2
 * images without copying (8/16/32-bit grey and composites; RGB is read by {@link ImagePlusSource}).
 */
public final class ImgLib2Source extends AbstractImageSource {

	private final List<? extends RandomAccessibleInterval<? extends RealType<?>>> channels;

	public ImgLib2Source(List<? extends RandomAccessibleInterval<? extends RealType<?>>> channels,
		Calibration calibration)
	{
		super((int) first(channels).dimension(0), (int) first(channels).dimension(1), channels.size(), kindOf(first(
			channels)), calibration);
		this.channels = channels;
	}

	private static RandomAccessibleInterval<? extends RealType<?>> first(
		List<? extends RandomAccessibleInterval<? extends RealType<?>>> channels)
	{
		if (channels.isEmpty()) throw new IllegalArgumentException("no channels");
		RandomAccessibleInterval<? extends RealType<?>> first = channels.get(0);
		if (first.numDimensions() != 2) throw new IllegalArgumentException("each channel must be 2-D, got "
			+ first.numDimensions() + " dimensions");
		return first;
	}

	private static Kind kindOf(RandomAccessibleInterval<? extends RealType<?>> img) {
		RealType<?> t = img.getAt(img.minAsLongArray());
		return t instanceof UnsignedByteType ? Kind.U8 : t instanceof UnsignedShortType ? Kind.U16 : Kind.F32;
	}

	/** Views plane (z, t) of a grey or composite ImagePlus as ImgLib2 images, sharing its arrays. */
	public static ImgLib2Source wrap(ImagePlus imp, int z, int t) {
		if (imp.getType() == ImagePlus.COLOR_RGB || imp.getType() == ImagePlus.COLOR_256) throw new IllegalArgumentException(
			"RGB images are read by ImagePlusSource");
		List<RandomAccessibleInterval<? extends RealType<?>>> list = new ArrayList<>();
		long w = imp.getWidth(), h = imp.getHeight();
		for (int c = 1; c <= imp.getNChannels(); c++) {
			Object px = imp.getStack().getPixels(imp.getStackIndex(c, z, t));
			if (px instanceof byte[] b) list.add(ArrayImgs.unsignedBytes(b, w, h));
			else if (px instanceof short[] s) list.add(ArrayImgs.unsignedShorts(s, w, h));
			else list.add(ArrayImgs.floats((float[]) px, w, h));
		}
		return new ImgLib2Source(list, new ImagePlusSource(imp, z, t).calibration());
	}






	@Override
	public void read(int c, int x, int y, int w, int h, float[] dst) {
		RandomAccessibleInterval<? extends RealType<?>> img = channels.get(c);
		RandomAccess<? extends RealType<?>> ra = img.randomAccess();
		long x0 = img.min(0) + x, y0 = img.min(1) + y;
		for (int r = 0; r < h; r++) {
			ra.setPosition(y0 + r, 1);
			ra.setPosition(x0, 0);
			for (int i = 0; i < w; i++) {
				dst[r * w + i] = ra.get().getRealFloat();
				ra.fwd(0);
			}
		}
	}
}
