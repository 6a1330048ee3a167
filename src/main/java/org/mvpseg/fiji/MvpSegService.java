package org.mvpseg.fiji;

import net.imglib2.RandomAccessibleInterval;
import net.imglib2.img.Img;
import net.imglib2.img.array.ArrayImgs;
import net.imglib2.type.numeric.RealType;
import net.imglib2.type.numeric.real.FloatType;
import net.imglib2.view.Views;
import org.mvpseg.features.FeatureMemory;
import org.mvpseg.features.FeatureStore;
import org.mvpseg.features.MemoryFeatures;
import org.mvpseg.image.ClipInput;
import org.mvpseg.image.ImageSource;
import org.mvpseg.imagej.ImgLib2Source;
import org.mvpseg.pipeline.ModelService;
import org.mvpseg.pipeline.Pipeline;
import org.mvpseg.pipeline.Prepared;
import org.mvpseg.pipeline.SegmentRequest;
import org.mvpseg.runtime.Progress;
import org.scijava.app.StatusService;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;
import org.scijava.service.AbstractService;
import org.scijava.service.Service;
import org.scijava.task.TaskService;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * MVP-SEG for scripts and other plugins ({@code #@ MvpSegService mvpseg}): ImgLib2 images in, ImgLib2 images out,
 * through the same pipeline as the menu commands and the command line, so the same image and request give the same
 * labels. It owns the loaded model (freed when the context is disposed) and the features of the images segmented
 * last: segmenting the same image object again — other names, templates, prompts — skips CLIP's image tower
 * (docs/features.md; every window is checked against its pixels, so an edited image is safe).
 * <p>
 * Images: XY (grey) or XYC (channels last; the request's channels pick R, G, B as in the menu command). Values are
 * read as the menu command reads the same type: {@code UnsignedByteType} as 8-bit (value / 255), {@code
 * UnsignedShortType} as 16-bit and every other type as 32-bit float (both scaled between the 0.5 and 99.5
 * percentiles). Any interval works (a view with a non-zero minimum, a crop, a cell image): windows are read through
 * random access, nothing is copied.
 */
@Plugin(type = Service.class)
public class MvpSegService extends AbstractService {

	@Parameter(required = false)
	private StatusService status;

	@Parameter(required = false)
	private TaskService tasks;

	/**
	 * One image's segmentation: {@code labels()} (XY, {@code UnsignedByteType}, or {@code UnsignedShortType} beyond 256
	 * classes; value n = the n-th class), {@code probabilities()} (XYC float, one channel per class in the request's
	 * order, summing to 1), GPR's presence per class where learned prompts are used, the provenance text, the
	 * segmentation's seconds, and what the kept features gave (windows reused and computed).
	 */
	public record Result(Img<? extends RealType<?>> labels, Img<FloatType> probabilities, List<String> classes,
		Optional<double[]> presence, String provenance, double seconds, FeatureStore.Stats features) {}

	/** The shared model holder (the command line and plain ImageJ use the same one). */
	public ModelService models() {
		return ModelService.shared();
	}

	/** Segments {@code image} as the request says, with a progress bar and a cancel button in Fiji. */
	public Result segment(RandomAccessibleInterval<? extends RealType<?>> image, SegmentRequest request)
		throws IOException
	{
		try (FijiProgress progress = new FijiProgress(tasks, status, "segment")) {
			return segment(image, request, progress);
		}
	}

	/** As {@link #segment(RandomAccessibleInterval, SegmentRequest)} with the caller's progress. */
	public Result segment(RandomAccessibleInterval<? extends RealType<?>> image, SegmentRequest request,
		Progress progress) throws IOException
	{
		return segment(image, request, progress, p -> features(image, p));
	}

	/**
	 * Encodes {@code image} once — CLIP's image side for the request's model, dense features, windows and channels —
	 * and returns those features, held for as long as the script holds them (the service's own memory keeps only the
	 * last images): {@link Encoded#segment} then answers any names, templates or prompt set from them. The request's
	 * class names serve this first pass only (any two do).
	 */
	public Encoded features(RandomAccessibleInterval<? extends RealType<?>> image, SegmentRequest request)
		throws IOException
	{
		MemoryFeatures kept = new MemoryFeatures();
		List<Map<String, String>> identity = new ArrayList<>(1);
		try (FijiProgress progress = new FijiProgress(tasks, status, "encode")) {
			segment(image, request, progress, p -> {
				identity.add(p.featureIdentity());
				return kept.run();
			});
		}
		return new Encoded(image, identity.get(0), kept);
	}

	/** An image's features from {@link #features}: segment it with other names without CLIP's image tower. */
	public final class Encoded {

		private final RandomAccessibleInterval<? extends RealType<?>> image;
		private final Map<String, String> identity;
		private final MemoryFeatures kept;

		private Encoded(RandomAccessibleInterval<? extends RealType<?>> image, Map<String, String> identity,
			MemoryFeatures kept)
		{
			this.image = image;
			this.identity = Map.copyOf(identity);
			this.kept = kept;
		}

		/**
		 * Segments the encoded image for {@code request} (other names, templates, prompts, refinements) from the kept
		 * features; a request whose image side differs (other weights, dense mode, student, precision) is refused.
		 */
		public Result segment(SegmentRequest request) throws IOException {
			try (FijiProgress progress = new FijiProgress(tasks, status, "segment")) {
				return MvpSegService.this.segment(image, request, progress, p -> {
					if (!p.featureIdentity().equals(identity)) throw new org.mvpseg.runtime.RequestException("These "
						+ "features were encoded with " + identity + "; this request needs " + p.featureIdentity() + ". "
						+ "Call features(image, request) with this request's model and options first.");
					return kept.run();
				});
			}
		}

		/** Bytes the features take. */
		public long bytes() {
			return kept.bytes();
		}

		/** Windows encoded. */
		public int windows() {
			return kept.windows();
		}
	}

	private interface StoreFor {
		FeatureStore open(Prepared p) throws IOException;
	}

	private Result segment(RandomAccessibleInterval<? extends RealType<?>> image, SegmentRequest request,
		Progress progress, StoreFor storeFor) throws IOException
	{
		ImageSource source = source(image);
		long w = source.width(), h = source.height();
		if (w * h * request.classes().size() > Integer.MAX_VALUE) throw new org.mvpseg.runtime.RequestException(
			"The probabilities of a " + w + " x " + h + " image and " + request.classes().size() + " classes do not fit "
				+ "one ImgLib2 array; segment it with the command line, which streams to files.");
		try (Prepared p = Pipeline.prepare(request, models(), progress)) {
			ClipInput input = p.input(source);
			int classes = p.classNames().size(), n = (int) (w * h);
			boolean wide = classes > 256;
			byte[] lb = wide ? null : new byte[n];
			short[] ls = wide ? new short[n] : null;
			float[] pa = new float[n * classes]; // XYC: channel c at c · w · h
			FeatureStore store = storeFor.open(p);
			Prepared.ImageResult r = p.segment(input, (y0, rows, width, pr, l) -> {
				int at = y0 * width;
				for (int i = 0; i < rows * width; i++) if (wide) ls[at + i] = (short) l[i]; else lb[at + i] = (byte) l[i];
				for (int c = 0; c < classes; c++) System.arraycopy(pr[c], 0, pa, c * n + at, rows * width);
			}, progress, null, store);
			Img<? extends RealType<?>> labels = wide ? ArrayImgs.unsignedShorts(ls, w, h) : ArrayImgs.unsignedBytes(lb,
				w, h);
			Img<FloatType> prob = ArrayImgs.floats(pa, w, h, classes);
			return new Result(labels, prob, p.classNames(), r.presence().map(x -> x.max()), p.provenance(String.valueOf(
				image), input), r.result().seconds(), store.stats());
		}
	}

	/**
	 * The store for {@code image}'s features under this pipeline: the same image object meets its own kept windows
	 * (each checked against its pixels), another object starts its own entry.
	 */
	private FeatureStore features(RandomAccessibleInterval<?> image, Prepared p) throws IOException {
		String id = "imglib2:" + System.identityHashCode(image) + ":" + java.util.Arrays.toString(image
			.minAsLongArray()) + java.util.Arrays.toString(image.dimensionsAsLongArray());
		return models().features().run(new FeatureMemory.Image(id, image.getClass().getSimpleName() + " " + java.util
			.Arrays.toString(image.dimensionsAsLongArray())), p.featureIdentity());
	}

	/** XY: one channel; XYC: channels along the last dimension, each a 2-D view. */
	static ImageSource source(RandomAccessibleInterval<? extends RealType<?>> image) {
		List<RandomAccessibleInterval<? extends RealType<?>>> channels = new ArrayList<>();
		if (image.numDimensions() == 2) channels.add(image);
		else if (image.numDimensions() == 3) for (long c = image.min(2); c <= image.max(2); c++) channels.add(Views
			.hyperSlice(image, 2, c));
		else throw new org.mvpseg.runtime.RequestException("An image for MVP-SEG is XY or XYC (channels last); this one "
			+ "has " + image.numDimensions() + " dimensions: take one plane with Views.hyperSlice first.");
		return new ImgLib2Source(channels, ImageSource.Calibration.NONE);
	}

	@Override
	public void dispose() {
		ModelService.shared().dispose();
	}
}
