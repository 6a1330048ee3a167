package org.mvpseg.fiji;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import net.imglib2.RandomAccessibleInterval;
import net.imglib2.img.Img;
import net.imglib2.img.array.ArrayImgs;
import net.imglib2.type.numeric.RealType;
import net.imglib2.type.numeric.integer.UnsignedByteType;
import net.imglib2.type.numeric.real.FloatType;
import net.imglib2.view.Views;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvpseg.TestFiles;
import org.mvpseg.pipeline.SegmentRequest;
import org.scijava.Context;

import java.nio.file.Path;

/** The script service: ImgLib2 in and out, the command line's labels, kept features for the next names. */
class MvpSegServiceTest {

	static final String W = TestFiles.fixture("clip-vit-tiny").resolve("clip.pt").toString();

	@TempDir
	Path tmp;

	/** chelsea.png as an XYC UnsignedByteType image, R, G, B in channels 0, 1, 2. */
	static Img<UnsignedByteType> chelseaXyc() {
		ImagePlus imp = IJ.openImage(Path.of("examples", "chelsea.png").toString());
		int w = imp.getWidth(), h = imp.getHeight();
		int[] rgb = (int[]) imp.getProcessor().convertToRGB().getPixels();
		byte[] px = new byte[w * h * 3];
		for (int i = 0; i < w * h; i++)
			for (int c = 0; c < 3; c++) px[c * w * h + i] = (byte) (rgb[i] >> (16 - 8 * c));
		return ArrayImgs.unsignedBytes(px, w, h, 3);
	}

	static byte[] bytes(RandomAccessibleInterval<? extends RealType<?>> labels) {
		byte[] out = new byte[(int) (labels.dimension(0) * labels.dimension(1))];
		int i = 0;
		for (RealType<?> t : Views.flatIterable(labels)) out[i++] = (byte) t.getRealDouble();
		return out;
	}

	@Test
	void imgLib2InAndOutEqualTheCommandLineAndReuseFeatures() throws Exception {
		Path out = tmp.resolve("cli");
		var cli = org.mvpseg.cli.MainTestAccess.run("segment", Path.of("examples", "chelsea.png").toString(), "--classes",
			"cat, grass, sky", "--weights", W, "--out", out.toString(), "--outputs", "labels");
		assertEquals(0, cli);
		byte[] expected = (byte[]) IJ.openImage(out.resolve("chelsea.labels.tif").toString()).getProcessor().getPixels();
		try (Context ctx = new Context(MvpSegService.class)) {
			MvpSegService mvpseg = ctx.service(MvpSegService.class);
			Img<UnsignedByteType> img = chelseaXyc();
			SegmentRequest request = SegmentRequest.builder().model(W, null).classes("cat, grass, sky").build();
			MvpSegService.Result r = mvpseg.segment(img, request);
			assertArrayEquals(expected, bytes(r.labels()), "the command line's labels");
			assertEquals(java.util.List.of("cat", "grass", "sky"), r.classes());
			assertTrue(r.features().computed() > 0);
			Img<FloatType> p = r.probabilities();
			assertEquals(3, p.dimension(2));
			for (int i = 0; i < 500; i++) {
				long x = i * 7 % img.dimension(0), y = i * 13 % img.dimension(1);
				double sum = 0;
				for (int c = 0; c < 3; c++) sum += p.getAt(x, y, c).get();
				assertEquals(1, sum, 1e-5, "probabilities sum to 1 at " + x + "," + y);
			}
			// a translated view: the same labels
			MvpSegService.Result moved = mvpseg.segment(Views.translate(img, 100, -40, 0), request);
			assertArrayEquals(expected, bytes(moved.labels()), "a view with another minimum");
			// the same object with other names: its kept features, the labels of a fresh run
			SegmentRequest other = SegmentRequest.builder().model(W, null).classes("sky, cat, wall").template(
				"a photo of {}.").build();
			MvpSegService.Result again = mvpseg.segment(img, other);
			assertEquals(0, again.features().computed(), "no window computed again: " + again.features());
			MvpSegService.Result fresh = mvpseg.segment(img.copy(), other);
			assertTrue(fresh.features().computed() > 0, "another object is not the same image");
			assertArrayEquals(bytes(fresh.labels()), bytes(again.labels()));
			var bad = assertThrows(org.mvpseg.runtime.RequestException.class, () -> mvpseg.segment(ArrayImgs
				.unsignedBytes(4, 4, 3, 2), request));
			assertTrue(bad.getMessage().contains("XY or XYC"), bad.getMessage());
		}
		assertEquals(null, org.mvpseg.pipeline.ModelService.shared().current(), "disposing the context frees the model");
	}

	/** features(image, request): encoded once, held by the script, every vocabulary answered from it. */
	@Test
	void encodedFeaturesAnswerManyVocabulariesAndRefuseAnotherImageSide() throws Exception {
		try (Context ctx = new Context(MvpSegService.class)) {
			MvpSegService mvpseg = ctx.service(MvpSegService.class);
			Img<UnsignedByteType> img = chelseaXyc();
			MvpSegService.Encoded encoded = mvpseg.features(img, SegmentRequest.builder().model(W, null).classes("cat, sky")
				.build());
			assertTrue(encoded.windows() > 0 && encoded.bytes() > 0);
			for (String names : new String[] { "cat, grass, sky", "sky, wall", "a, b, c, d" }) {
				SegmentRequest r = SegmentRequest.builder().model(W, null).classes(names).build();
				MvpSegService.Result kept = encoded.segment(r);
				assertEquals(0, kept.features().computed(), names + ": " + kept.features());
				mvpseg.models().features().clear(); // the service's own memory: not what the handle holds
				MvpSegService.Result fresh = mvpseg.segment(img.copy(), r);
				assertArrayEquals(bytes(fresh.labels()), bytes(kept.labels()), names);
			}
			var other = assertThrows(org.mvpseg.runtime.RequestException.class, () -> encoded.segment(SegmentRequest
				.builder().model(W, null).classes("cat, sky").denseMode("value").build()));
			assertTrue(other.getMessage().contains("Call features(image, request)"), other.getMessage());
		}
	}
}
