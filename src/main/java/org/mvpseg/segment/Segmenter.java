package org.mvpseg.segment;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.mvpseg.clip.ClipModel;
import org.mvpseg.features.FeatureStore;
import org.mvpseg.features.WindowDigest;
import org.mvpseg.image.ClipInput;
import org.mvpseg.image.Rect;
import org.mvpseg.runtime.Progress;
import org.mvpseg.runtime.Torch;

import java.io.IOException;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Segments an image of any size (docs/formulas.md §6): sliding windows, batched into as few forward passes
 * as the memory budget allows; per-window scores upsampled bilinearly (align_corners = false) to
 * the window and averaged where windows overlap; averaged scores turned into probabilities by the
 * classifier; labels = argmax. Rows are handed to the sink as soon as no later window touches
 * them, so memory stays bounded by a band of about two windows' height, whatever the image size.
 */
public final class Segmenter {

	private final UnaryOperator<NDArray> features;
	/** Features and keys together, for classifiers that smooth with keys; null where unavailable. */
	private final java.util.function.Function<NDArray, ai.djl.ndarray.NDList> featuresAndKeys;
	private final NDManager manager;
	private final int cell, nativeSize;
	private final long bytesPerPixel;
	private final SegmentOptions options;
	private final SegmentOptions.Resolution resolution;

	/**
	 * @param features [B,3,H,W] → [B,h,w,E] dense features (e.g. {@link ClipModel#denseFeatures})
	 * @param cell pixels per feature cell; windows are multiples of it
	 * @param nativeSize default window side
	 * @param bytesPerPixel estimated peak forward-pass memory per input pixel, for automatic batching
	 */
	public Segmenter(UnaryOperator<NDArray> features, NDManager manager, int cell, int nativeSize, long bytesPerPixel,
		SegmentOptions options)
	{
		this(features, null, manager, cell, nativeSize, bytesPerPixel, options);
	}

	private Segmenter(UnaryOperator<NDArray> features,
		java.util.function.Function<NDArray, ai.djl.ndarray.NDList> featuresAndKeys, NDManager manager, int cell,
		int nativeSize, long bytesPerPixel, SegmentOptions options)
	{
		this.features = features;
		this.featuresAndKeys = featuresAndKeys;
		this.manager = manager;
		this.cell = cell;
		this.nativeSize = nativeSize;
		this.bytesPerPixel = bytesPerPixel;
		boolean gpu = manager.getDevice().isGpu();
		this.resolution = options.resolve(cell, nativeSize, bytesPerPixel, gpu, gpu ? Torch.freeGpuMemory(manager
			.getDevice()) : -1);
		this.options = resolution.options();
		this.batch = this.options.batch();
	}

	/** Windows per forward pass now: halved (and kept for later images) after running out of memory. */
	private volatile int batch;

	/** The window, stride and batch this segmenter uses, with a note for each automatic or adjusted value. */
	public SegmentOptions.Resolution resolution() {
		return resolution;
	}

	/** The pipeline over a CLIP model's MaskCLIP dense features. */
	public static Segmenter of(ClipModel model, NDManager manager, SegmentOptions options) {
		return of(model, manager, options, org.mvpseg.clip.DenseMode.MASKCLIP);
	}

	/** The pipeline over dense features made with {@code mode} (ClearCLIP, SCLIP, NACLIP: ViT only). */
	public static Segmenter of(ClipModel model, NDManager manager, SegmentOptions options,
		org.mvpseg.clip.DenseMode mode)
	{
		return of(model, manager, options, mode, null);
	}

	/**
	 * @param features replaces the model's dense features of {@code mode} (an MVP-SEG+ student's fine-tuned last
	 *          block), or null
	 */
	public static Segmenter of(ClipModel model, NDManager manager, SegmentOptions options,
		org.mvpseg.clip.DenseMode mode, UnaryOperator<NDArray> features)
	{
		mode.requireSupportedBy(model.config().vit());
		var c = model.config();
		// Rough peak of one forward pass per input pixel: a dozen live activations of the tower's
		// width per token (ViT) or per early-stage position (ResNet), in fp32.
		long perPixel = c.vit() ? 4L * 14 * c.visionWidth() / ((long) c.patchSize() * c.patchSize()) + 64
			: 4L * 10 * c.visionWidth() / 4 + 64;
		if (features != null) return new Segmenter(features, null, manager, c.cellSize(), c.imageResolution(), perPixel,
			options);
		return new Segmenter(x -> model.denseFeatures(x, mode), x -> model.denseFeaturesAndKeys(x, mode), manager, c
			.cellSize(), c.imageResolution(), perPixel, options);
	}

	/**
	 * What an image (or a core of one) gave, for logs, summaries, provenance and results tables; {@code forwardSeconds}
	 * is the part spent in batched forward passes (features and scores); {@code means} each class's mean probability
	 * over its pixels, {@code presence} GPR's class presence over the windows (null for methods without one). Nothing
	 * of it changes after the run; the parts of a tiled image {@link #merge}.
	 */
	public record Result(List<String> classes, long[] pixelCounts, int width, int height, int window, int stride,
		int windows, int batchSize, int forwardPasses, double seconds, double forwardSeconds, long nonFinite,
		String scaling, String classifier, ClassMeans means, PixelClassifier.Presence presence)
		implements java.io.Serializable
	{
		/** Each class's mean probability over the pixels labelled with it. */
		public double[] meanProbability() {
			return means.means();
		}

		/**
		 * The whole {@code width × height} image from its cores' results, in any order: counts, forward passes and
		 * times summed, class means merged, GPR's highest presence kept (its mean is not: windows overlap cores);
		 * {@code windows}: the whole image's grid.
		 */
		public static Result merge(List<Result> parts, int width, int height, int windows) {
			Result f = parts.get(0);
			long[] counts = new long[f.classes.size()];
			int passes = 0;
			double seconds = 0, forward = 0;
			ClassMeans means = f.means;
			PixelClassifier.Presence presence = f.presence;
			for (int i = 0; i < parts.size(); i++) {
				Result t = parts.get(i);
				for (int c = 0; c < counts.length; c++) counts[c] += t.pixelCounts[c];
				passes += t.forwardPasses;
				seconds += t.seconds;
				forward += t.forwardSeconds;
				if (i > 0) means = means.merge(t.means);
				if (i > 0 && presence != null) presence = presence.merge(t.presence);
			}
			return new Result(f.classes, counts, width, height, f.window, f.stride, windows, f.batchSize, passes, seconds,
				forward, f.nonFinite, f.scaling, f.classifier, means, presence == null ? null : new PixelClassifier
					.Presence(presence.max(), null));
		}
	}

	public Result run(ClipInput input, PixelClassifier classifier, SegmentationSink sink, Progress progress)
		throws IOException
	{
		return run(input, classifier, sink, progress, null);
	}

	/**
	 * Segments only the rectangle {@code core} of the image (null: all of it), with exactly the windows of the whole
	 * image's grid that touch it, added in the same order, so its pixels get the same averages as in a run over the
	 * whole image (docs/spark.md › Huge images). Rows reach the sink in image coordinates, {@code core.width()} wide;
	 * the result's size and counts are the core's. Not with a resize or the whole-image window, whose windows
	 * depend on every pixel.
	 */
	public Result run(ClipInput input, PixelClassifier classifier, SegmentationSink sink, Progress progress,
		Rect core) throws IOException
	{
		return run(input, classifier, sink, progress, core, null);
	}

	/**
	 * As {@link #run(ClipInput, PixelClassifier, SegmentationSink, Progress, Rect)}, taking each window's image side
	 * from {@code store} where it holds the window's pixels and keeping what it computes there (null: no store).
	 * The result is the same as without a store: a batch runs the image tower unless every one of its windows is
	 * stored, and the classifier sees the same arrays either way (docs/features.md).
	 */
	public Result run(ClipInput input, PixelClassifier classifier, SegmentationSink sink, Progress progress, Rect core,
		FeatureStore store) throws IOException
	{
		ClassMeans means = new ClassMeans(classifier.classNames().size()); // of the rows the caller's sink receives
		return segment(input, classifier, means.around(sink), progress, core, store, means);
	}

	private Result segment(ClipInput input, PixelClassifier classifier, SegmentationSink sink, Progress progress,
		Rect core, FeatureStore store, ClassMeans means) throws IOException
	{
		if (core != null && (options.shortSide() > 0 || options.whole())) throw new IllegalArgumentException(
			"A part of an image cannot be segmented with a resize or the whole-image protocol; segment the whole image.");
		if (options.shortSide() > 0) {
			// Segment a resized copy, then interpolate probabilities back to the image's own size.
			int[] size = org.mvpseg.image.ScaledSource.sizeForShortSide(input.width(), input.height(), options
				.shortSide(), options.whole() ? 4 * options.shortSide() : Integer.MAX_VALUE);
			checkUpscale(input, size);
			ResampleSink back = new ResampleSink(sink, classifier.classNames().size(), size[0], size[1], input.width(),
				input.height());
			Result r = new Segmenter(features, featuresAndKeys, manager, cell, nativeSize, bytesPerPixel, options
				.withShortSide(0)).run(input.resized(size[0], size[1]), classifier, back, progress, null, store);
			return new Result(r.classes(), back.counts, input.width(), input.height(), r.window(), r.stride(), r
				.windows(), r.batchSize(), r.forwardPasses(), r.seconds(), r.forwardSeconds(), r.nonFinite(), r.scaling()
					+ "; resized to " + size[0] + "x" + size[1], r.classifier(), means, r.presence());
		}
		long t0 = System.nanoTime();
		int width = input.width(), height = input.height();
		int window = options.whole() ? roundUp(Math.max(width, height)) : options.window();
		int stride = options.whole() ? window : options.stride();
		if (core == null) core = new Rect(0, 0, width, height);
		List<WindowGrid.Window> grid = WindowGrid.touching(WindowGrid.of(width, height, window, stride), core);
		// Every window has the same tensor size: the window, or the whole image padded to whole cells.
		int winW = roundUp(Math.min(window, width)), winH = roundUp(Math.min(window, height));
		int classes = classifier.classNames().size();
		Band band = new Band(classes, grid, core, classifier, sink);
		int passes = 0;
		long[] forwardNanos = { 0 };
		PresenceSum presence = new PresenceSum(classes);
		boolean previousGradMode = Torch.setGradMode(false); // inference: record nothing, allow in-place ops
		try {
			for (int start = 0; start < grid.size();) {
				progress.checkCancelled();
				progress.update("segmenting windows", start, grid.size());
				List<WindowGrid.Window> part = grid.subList(start, Math.min(grid.size(), start + batch));
				float[][] scores = scoreOrShrink(input, part, winW, winH, classifier, store, forwardNanos, presence,
					progress);
				if (scores == null) continue; // out of memory: the same windows again, in a smaller batch
				passes++;
				for (int i = 0; i < part.size(); i++) band.add(part.get(i), scores[i], winW, winH);
				start += part.size();
				band.emitUpTo(start < grid.size() ? grid.get(start).y() : band.bottom);
			}
			sink.finish();
		}
		finally {
			Torch.setGradMode(previousGradMode);
		}
		progress.update("segmenting windows", grid.size(), grid.size());
		return new Result(classifier.classNames(), band.counts, core.width(), core.height(), window, stride, grid.size(),
			batch, passes, (System.nanoTime() - t0) / 1e9, forwardNanos[0] / 1e9, input.nonFiniteCount(), input
				.scalingDescription(), classifier.describe(), means, presence.presence());
	}

	/** GPR's g_c over an image's windows so far: the highest and the sum (for the mean), per class. */
	private static final class PresenceSum {
		final double[] max, sum;
		int windows;
		boolean any;

		PresenceSum(int classes) {
			max = new double[classes];
			sum = new double[classes];
		}

		/** A batch's [B·C] presence, or null from a method without one. */
		void add(float[] g) {
			if (g == null) return;
			any = true;
			int c = max.length;
			for (int w = 0; w < g.length / c; w++) {
				for (int i = 0; i < c; i++) {
					max[i] = Math.max(max[i], g[w * c + i]);
					sum[i] += g[w * c + i];
				}
				windows++;
			}
		}

		PixelClassifier.Presence presence() {
			if (!any) return null;
			double[] mean = sum.clone();
			for (int i = 0; i < mean.length; i++) mean[i] /= Math.max(1, windows);
			return new PixelClassifier.Presence(max.clone(), mean);
		}
	}

	/** The most a resize may enlarge an image (the paper's short side of 512 on a 16-pixel image). */
	static final int MAX_UPSCALE = 32;

	/** Refuses a resize that would enlarge the image absurdly (a typo in the short side: millions of windows). */
	private static void checkUpscale(ClipInput input, int[] size) {
		double factor = Math.max(size[0] / (double) input.width(), size[1] / (double) input.height());
		if (factor > MAX_UPSCALE) throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "A short side "
			+ "of %d would enlarge this %d x %d image %.0f times (to %d x %d); at most %d times is allowed. Give a smaller "
			+ "short side (or none: the image's own size).", Math.min(size[0], size[1]), input.width(), input.height(),
			factor, size[0], size[1], MAX_UPSCALE));
	}

	/**
	 * One batch's scores, or null after an out-of-memory error, having halved the batch (every later image keeps the
	 * smaller one). A single window that does not fit ends the run with what to do.
	 */
	private float[][] scoreOrShrink(ClipInput input, List<WindowGrid.Window> part, int winW, int winH,
		PixelClassifier classifier, FeatureStore store, long[] forwardNanos, PresenceSum presence, Progress progress)
		throws IOException
	{
		try {
			return scoreBatch(input, part, winW, winH, classifier, store, forwardNanos, presence);
		}
		catch (ai.djl.engine.EngineException e) {
			if (!outOfMemory(e)) throw e;
			if (part.size() == 1) throw new ai.djl.engine.EngineException("Out of memory for even one " + winW + "×"
				+ winH + " window on " + manager.getDevice() + "; use a smaller window, or --device cpu.", e);
			batch = Math.max(1, part.size() / 2);
			progress.update("out of memory with " + part.size() + " windows per pass: now " + batch, 0, -1);
			return null;
		}
	}

	/**
	 * The batch's dense features (and keys, when {@code keys}): from {@code store} when it holds every window of the
	 * batch, else computed by the image tower (and kept in the store).
	 */
	private NDArray[] imageSide(NDManager m, float[] pixels, List<WindowGrid.Window> part, int winW, int winH,
		boolean keys, FeatureStore store) throws IOException
	{
		int n = part.size(), plane = pixels.length / n;
		long[] digest = new long[n];
		boolean all = store != null;
		for (int i = 0; store != null && i < n; i++) {
			WindowGrid.Window w = part.get(i);
			digest[i] = WindowDigest.of(pixels, i * plane, plane, w.x(), w.y(), w.width(), w.height(), winW, winH);
			all &= store.has(w.index(), digest[i], keys); // asks for every window: the store learns the run's windows
		}
		if (all) return stored(m, part, store);
		NDArray x = org.mvpseg.clip.Nn.owned(m.create(pixels, new Shape(n, 3, winH, winW)));
		NDArray[] fresh;
		if (keys) {
			if (featuresAndKeys == null) throw new IllegalArgumentException("key smoothing needs a CLIP model");
			ai.djl.ndarray.NDList fk = featuresAndKeys.apply(x);
			fresh = new NDArray[] { fk.get(0), fk.get(1) };
		}
		else fresh = new NDArray[] { features.apply(x) };
		if (store != null) keep(fresh, part, digest, store);
		return fresh;
	}

	/** Puts each window's arrays ([B, h, w, E] features, [B, h, w, K] keys) into the store. */
	private static void keep(NDArray[] fresh, List<WindowGrid.Window> part, long[] digest, FeatureStore store)
		throws IOException
	{
		for (NDArray a : fresh) if (a.getDataType() != ai.djl.ndarray.types.DataType.FLOAT32) throw new IllegalStateException(
			"features are kept as float32, these are " + a.getDataType());
		int n = part.size(), h = (int) fresh[0].getShape().get(1), w = (int) fresh[0].getShape().get(2);
		float[] f = fresh[0].toFloatArray(), k = fresh.length > 1 ? fresh[1].toFloatArray() : null;
		int fw = f.length / n, kw = k == null ? 0 : k.length / n;
		for (int i = 0; i < n; i++) store.put(part.get(i).index(), digest[i], new FeatureStore.WindowFeatures(h, w, java
			.util.Arrays.copyOfRange(f, i * fw, (i + 1) * fw), k == null ? null : java.util.Arrays.copyOfRange(k, i * kw, (i
				+ 1) * kw)));
	}

	/** The batch's arrays as the store holds them, in the shapes the image tower gives. */
	private static NDArray[] stored(NDManager m, List<WindowGrid.Window> part, FeatureStore store) throws IOException {
		int n = part.size();
		FeatureStore.WindowFeatures[] got = new FeatureStore.WindowFeatures[n];
		for (int i = 0; i < n; i++) got[i] = store.get(part.get(i).index());
		FeatureStore.WindowFeatures g = got[0];
		NDArray f = m.create(concat(got, false), new Shape(n, g.h(), g.w(), g.featureWidth()));
		if (g.keys() == null) return new NDArray[] { f };
		return new NDArray[] { f, m.create(concat(got, true), new Shape(n, g.h(), g.w(), g.keyWidth())) };
	}

	private static float[] concat(FeatureStore.WindowFeatures[] got, boolean keys) {
		int per = keys ? got[0].keys().length : got[0].features().length;
		float[] all = new float[got.length * per];
		for (int i = 0; i < got.length; i++) System.arraycopy(keys ? got[i].keys() : got[i].features(), 0, all, i * per,
			per);
		return all;
	}

	/** libtorch's words for an allocation that failed (CUDA's and the CPU allocator's). */
	static boolean outOfMemory(Throwable e) {
		for (Throwable t = e; t != null; t = t.getCause()) {
			String m = t.getMessage();
			if (m != null && (m.contains("out of memory") || m.contains("can't allocate memory"))) return true;
		}
		return false;
	}

	private int roundUp(int v) {
		return (v + cell - 1) / cell * cell;
	}

	/**
	 * One forward pass: [B][C·winH·winW] scores at window resolution; adds the time from tensor in to
	 * scores out (features and classifier, not the resampling) to {@code forwardNanos[0]}, and the windows' class
	 * presence to {@code presence}.
	 */
	private float[][] scoreBatch(ClipInput input, List<WindowGrid.Window> part, int winW, int winH,
		PixelClassifier classifier, FeatureStore store, long[] forwardNanos, PresenceSum presence) throws IOException
	{
		int n = part.size(), plane = 3 * winW * winH;
		float[] pixels = new float[n * plane];
		for (int i = 0; i < n; i++) {
			WindowGrid.Window w = part.get(i);
			input.window(w.x(), w.y(), w.width(), w.height(), winW, winH, pixels, i * plane);
		}
		try (NDManager m = manager.newSubManager()) {
			long t0 = System.nanoTime();
			NDArray[] fk = imageSide(m, pixels, part, winW, winH, classifier.usesKeys(), store);
			PixelClassifier.Scored scored = classifier.score(fk[0], classifier.usesKeys() ? fk[1] : null);
			NDArray s = scored.scores(); // [B,C,h,w]
			forwardNanos[0] += System.nanoTime() - t0; // libtorch's CPU ops are synchronous
			presence.add(scored.presence());
			if (s.getShape().get(2) != winH || s.getShape().get(3) != winW) {
				s = s.getNDArrayInternal().interpolation(new long[] { winH, winW }, 1 /* bilinear */, false);
			}
			float[] flat = s.toFloatArray();
			int per = flat.length / n, classes = per / (winW * winH);
			float[][] out = new float[n][];
			for (int i = 0; i < n; i++) out[i] = java.util.Arrays.copyOfRange(flat, i * per, (i + 1) * per);
			// NACLIP refines the upsampled scores with the (CLIP-normalised) image as guide, before the softmax
			if (options.pamr()) java.util.stream.IntStream.range(0, n).parallel().forEach(i -> Pamr.NACLIP.refine(pixels,
				i * plane, 3, out[i], classes, winH, winW));
			return out;
		}
	}

	/**
	 * Running sums and counts for the rows not yet final, over the columns the windows cover; rows and columns of the
	 * core are handed on.
	 */
	private static final class Band {
		final int classes, left, width, bottom; // the windows' columns [left, left + width), last row bottom - 1
		final Rect core;
		final PixelClassifier classifier;
		final SegmentationSink sink;
		final long[] counts;
		int top; // first row not yet emitted
		int rows; // rows currently held
		float[][] sum;
		float[] hits;

		Band(int classes, List<WindowGrid.Window> windows, Rect core, PixelClassifier classifier,
			SegmentationSink sink)
		{
			int l = Integer.MAX_VALUE, r = 0, t = Integer.MAX_VALUE, b = 0;
			for (WindowGrid.Window w : windows) {
				l = Math.min(l, w.x());
				r = Math.max(r, w.x() + w.width());
				t = Math.min(t, w.y());
				b = Math.max(b, w.y() + w.height());
			}
			this.classes = classes;
			this.left = l;
			this.width = r - l;
			this.top = t;
			this.bottom = b;
			this.core = core;
			this.classifier = classifier;
			this.sink = sink;
			this.counts = new long[classes];
			this.sum = new float[classes][0];
			this.hits = new float[0];
		}

		void ensureRows(int needed) {
			if (needed <= rows) return;
			int cap = Math.max(needed, rows * 3 / 2);
			for (int c = 0; c < classes; c++) sum[c] = java.util.Arrays.copyOf(sum[c], cap * width);
			hits = java.util.Arrays.copyOf(hits, cap * width);
			rows = cap;
		}

		/** Adds the part of a window's scores that lies inside the image. */
		void add(WindowGrid.Window w, float[] s, int winW, int winH) {
			ensureRows(w.y() + w.height() - top);
			for (int r = 0; r < w.height(); r++) {
				int dst = (w.y() + r - top) * width + w.x() - left;
				for (int c = 0; c < classes; c++) {
					float[] sc = sum[c];
					int src = c * winW * winH + r * winW;
					for (int i = 0; i < w.width(); i++) sc[dst + i] += s[src + i];
				}
				for (int i = 0; i < w.width(); i++) hits[dst + i] += 1;
			}
		}

		/** Rows [top, end) are final: hands on their part inside the core, then drops them from the band. */
		void emitUpTo(int end) throws IOException {
			int n = end - top;
			if (n <= 0) return;
			int from = Math.max(top, core.y()), to = Math.min(end, core.y() + core.height());
			if (to > from) emit(from, to);
			// shift the remaining rows up
			int len = n * width, keep = Math.max(0, rows - n) * width;
			for (int c = 0; c < classes; c++) {
				System.arraycopy(sum[c], len, sum[c], 0, Math.min(keep, sum[c].length - len));
				java.util.Arrays.fill(sum[c], keep, sum[c].length, 0f);
			}
			System.arraycopy(hits, len, hits, 0, Math.min(keep, hits.length - len));
			java.util.Arrays.fill(hits, keep, hits.length, 0f);
			top = end;
		}

		/**
		 * Never written as label 0 with exit 0: the image fails. Damaged prompt sets and students are refused when
		 * read, and the temperature is bounded, so this guards what those checks cannot foresee.
		 */
		private static String nonFinite(int x, int y) {
			return "The class scores are not finite (NaN) at pixel (" + x + ", " + y + "); nothing was written for this "
				+ "image. Prompt sets, students or a temperature whose numbers overflow do this: retrain, or lower the "
				+ "temperature.";
		}

		/** Averages, probabilities and labels of the core's rows [from, to). */
		private void emit(int from, int to) throws IOException {
			int w = core.width(), n = to - from, len = n * w, x0 = core.x() - left;
			float[][] p = new float[classes][len];
			for (int r = 0; r < n; r++) {
				int src = (from - top + r) * width + x0;
				for (int i = 0; i < w; i++) {
					float h = hits[src + i];
					if (h == 0) throw new IllegalStateException("pixel without prediction at row " + (from + r));
					for (int c = 0; c < classes; c++) p[c][r * w + i] = sum[c][src + i] / h;
				}
			}
			classifier.toProbabilities(p, 0, len);
			int[] labels = new int[len];
			for (int i = 0; i < len; i++) {
				int best = 0;
				for (int c = 1; c < classes; c++) if (p[c][i] > p[best][i]) best = c;
				if (!(p[best][i] >= 0)) throw new IllegalStateException(nonFinite(core.x() + i % w, from + i / w)); // NaN
				labels[i] = best;
				counts[best]++;
			}
			sink.rows(from, n, w, p, labels);
		}
	}
}
