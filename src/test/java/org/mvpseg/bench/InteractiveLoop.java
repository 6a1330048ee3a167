package org.mvpseg.bench;

import ij.IJ;
import ij.ImagePlus;
import net.imglib2.img.Img;
import net.imglib2.img.array.ArrayImgs;
import net.imglib2.type.numeric.integer.UnsignedByteType;
import org.mvpseg.fiji.MvpSegService;
import org.mvpseg.pipeline.SegmentRequest;
import org.scijava.Context;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The interactive loop in one process with the model resident, through {@link MvpSegService} (README ›
 * Performance): a first call with 4 names (the image encoded), then rounds of 4 names never seen and of the first
 * names again, each answered from the kept features. Prints each call's wall time and the medians.
 * <p>
 * {@code java -cp target/test-classes:target/classes:$(cat cp.txt) org.mvpseg.bench.InteractiveLoop WEIGHTS IMAGE
 * [ROUNDS] [TEMPLATE]} (cp.txt from {@code mvn dependency:build-classpath -Dmdep.outputFile=cp.txt}); the 85 default
 * templates unless TEMPLATE is given.
 */
public final class InteractiveLoop {

	static final String[] WORDS = { "tree", "dog", "floor", "table", "chair", "window", "lamp", "road", "car", "bird",
		"flower", "fence", "cloud", "rock", "water", "sand", "snow", "book", "plate", "cup", "door", "wall paint",
		"carpet", "leaf", "branch", "nucleus", "membrane", "cytoplasm", "vesicle", "mitochondrion", "gland", "stroma",
		"tumour", "vessel", "fat", "muscle", "nerve", "bone", "cartilage", "debris" };

	public static void main(String[] args) throws Exception {
		String weights = args[0], image = args[1];
		int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
		String template = args.length > 3 ? args[3] : null;
		Img<UnsignedByteType> img = rgb(IJ.openImage(image));
		try (Context ctx = new Context(MvpSegService.class)) {
			MvpSegService mvpseg = ctx.service(MvpSegService.class);
			String first = "cat, grass, sky, wall";
			double t = call(mvpseg, img, weights, first, template, "first call (image encoded)");
			List<Double> fresh = new ArrayList<>(), again = new ArrayList<>();
			for (int r = 0; r < rounds; r++) {
				String names = String.join(", ", List.of(WORDS[4 * r], WORDS[4 * r + 1], WORDS[4 * r + 2], WORDS[4 * r + 3]));
				fresh.add(call(mvpseg, img, weights, names, template, "4 new names"));
				again.add(call(mvpseg, img, weights, first, template, "the first names again"));
			}
			System.out.printf(Locale.ROOT, "median: first %.2f s, 4 new names %.3f s, names seen before %.3f s (%s)%n", t,
				median(fresh), median(again), template == null ? "85 templates" : "template \"" + template + "\"");
		}
	}

	private static double call(MvpSegService s, Img<UnsignedByteType> img, String weights, String names,
		String template, String what) throws Exception
	{
		SegmentRequest r = SegmentRequest.builder().model(weights, null).classes(names).template(template).build();
		long t0 = System.nanoTime();
		MvpSegService.Result out = s.segment(img, r);
		double sec = (System.nanoTime() - t0) / 1e9;
		System.out.printf(Locale.ROOT, "%-28s %7.3f s  (segmentation %.3f s; windows reused %d, computed %d) %s%n",
			what, sec, out.seconds(), out.features().reused(), out.features().computed(), names);
		return sec;
	}

	private static double median(List<Double> v) {
		List<Double> s = new ArrayList<>(v);
		s.sort(null);
		return s.size() % 2 == 1 ? s.get(s.size() / 2) : (s.get(s.size() / 2 - 1) + s.get(s.size() / 2)) / 2;
	}

	/** An RGB ImagePlus as XYC UnsignedByteType. */
	static Img<UnsignedByteType> rgb(ImagePlus imp) {
		int w = imp.getWidth(), h = imp.getHeight();
		int[] px = (int[]) imp.getProcessor().convertToRGB().getPixels();
		byte[] b = new byte[w * h * 3];
		for (int i = 0; i < w * h; i++) for (int c = 0; c < 3; c++) b[c * w * h + i] = (byte) (px[i] >> (16 - 8 * c));
		return ArrayImgs.unsignedBytes(b, w, h, 3);
	}
}
