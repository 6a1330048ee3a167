import net.imglib2.img.Img;
import net.imglib2.img.array.ArrayImgs;
import net.imglib2.type.numeric.RealType;
import net.imglib2.type.numeric.integer.UnsignedByteType;
import net.imglib2.view.Views;
import org.mvpseg.fiji.MvpSegService;
import org.mvpseg.pipeline.SegmentRequest;
import org.scijava.Context;

import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A client of the script service as another plugin would write it, compiled by ServiceClientIT against the built
 * jar, imglib2 and scijava-common only. Arguments: image, weights, output folder. Writes the labels of the image and
 * of a translated view (one byte per pixel, raster order) and the largest deviation of a pixel's probabilities' sum
 * from 1.
 */
public class Client {

	public static void main(String[] args) throws Exception {
		BufferedImage rgb = javax.imageio.ImageIO.read(new File(args[0]));
		int w = rgb.getWidth(), h = rgb.getHeight();
		byte[] px = new byte[w * h * 3];
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++)
				for (int c = 0; c < 3; c++) px[c * w * h + y * w + x] = (byte) (rgb.getRGB(x, y) >> (16 - 8 * c));
		Img<UnsignedByteType> image = ArrayImgs.unsignedBytes(px, w, h, 3);
		try (Context context = new Context(MvpSegService.class)) {
			MvpSegService mvpseg = context.service(MvpSegService.class);
			SegmentRequest request = SegmentRequest.builder().model(args[1], null).classes("cat, grass, sky").build();
			MvpSegService.Result result = mvpseg.segment(image, request);
			Files.write(Path.of(args[2], "labels.raw"), bytes(result.labels()));
			Files.write(Path.of(args[2], "translated.raw"), bytes(mvpseg.segment(Views.translate(image, 100, -40, 0),
				request).labels()));
			double worst = 0;
			for (int y = 0; y < h; y++)
				for (int x = 0; x < w; x++) {
					double sum = 0;
					for (int c = 0; c < 3; c++) sum += result.probabilities().getAt(x, y, c).get();
					worst = Math.max(worst, Math.abs(sum - 1));
				}
			Files.writeString(Path.of(args[2], "sum.txt"), String.valueOf(worst));
		}
	}

	private static byte[] bytes(net.imglib2.RandomAccessibleInterval<? extends RealType<?>> labels) {
		byte[] out = new byte[(int) (labels.dimension(0) * labels.dimension(1))];
		int i = 0;
		for (RealType<?> t : Views.flatIterable(labels)) out[i++] = (byte) t.getRealDouble();
		return out;
	}
}
