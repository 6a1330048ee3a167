package org.mvpseg.batch;

import ij.ImagePlus;
import org.mvpseg.features.FeatureFile;
import org.mvpseg.image.ClipInput;
import org.mvpseg.imagej.ImageFiles;
import org.mvpseg.imagej.ImagePlusSource;
import org.mvpseg.io.SegmentationFiles;
import org.mvpseg.io.TiffSource;
import org.mvpseg.objects.ObjectOptions;
import org.mvpseg.objects.ObjectTable;
import org.mvpseg.pipeline.Prepared;
import org.mvpseg.runtime.Progress;
import org.mvpseg.segment.SegmentationSink;

import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Map;

/**
 * An image file segmented into its set of outputs (labels, probabilities, summary, objects): the one code behind
 * {@code segment} and the Spark job, so both write the same files the same way. A core of a huge TIFF goes through
 * {@link TiledImage} instead.
 */
public final class FileSegmentation {

	private FileSegmentation() {}

	/**
	 * Where and what to write; {@code features}: the folder where each image's features are kept and reused
	 * ({@code --features}), or null; {@code objects}: the classes split into objects, or null.
	 */
	public record Target(Path dir, EnumSet<SegmentationFiles.Output> outputs, boolean overwrite, Path features,
		FeatureFile.Precision precision, ObjectOptions objects) implements java.io.Serializable
	{
		public Target(Path dir, EnumSet<SegmentationFiles.Output> outputs, boolean overwrite) {
			this(dir, outputs, overwrite, null, FeatureFile.Precision.FP32, null);
		}

		/** The feature file of an image (or of one tile: {@code name} says which), or null without features. */
		public FeatureFile features(String name, Prepared p) throws IOException {
			return features == null ? null : FeatureFile.open(features.resolve(name + ".features"), p.featureIdentity(),
				precision);
		}

		/** Sent to Spark's executors: Paths as text ({@link org.mvpseg.files.SerialRecord}). */
		private Object writeReplace() {
			return new org.mvpseg.files.SerialRecord(this);
		}
	}

	/**
	 * One image's segmentation: the result, the input's pixel area and unit, what to tell beside (features reused or
	 * written, partial files of a killed run removed) or null, and the objects (null without them).
	 */
	public record Outcome(Prepared.ImageResult result, ClipInput input, double pixelArea, String unit, String note,
		ObjectTable objects) {}

	/** Segments one image and writes its set of outputs into {@code target}. */
	public static Outcome segment(Path img, Prepared p, Target target, Progress progress) throws IOException {
		try (TiffSource tiff = rectangles(img); FeatureFile store = target.features(ImageFiles.baseName(img), p)) {
			ClipInput input = p.input(tiff != null ? tiff : source(img));
			try (SegmentationFiles files = new SegmentationFiles(target.dir(), ImageFiles.baseName(img), target.outputs(),
				p.classNames(), input.width(), input.height(), input.source().calibration(), target.overwrite(), p
					.provenance(img.getFileName().toString(), input)).objects(target.objects()))
			{
				Prepared.ImageResult r = p.segment(input, new SegmentationSink() {
					@Override
					public void rows(int y0, int rows, int width, float[][] pr, int[] l) throws IOException {
						files.rows(y0, rows, width, pr, l);
					}

					@Override
					public void finish() throws IOException {
						files.finish();
					}
				}, progress, null, store);
				Map<String, Object> extra = p.summary(img.toAbsolutePath().toString(), r);
				extra.put("mean_probability", r.result().means().byName(p.classNames())); // over each class's own pixels
				if (store != null) { // kept even when the outputs then conflict: they are right for the image
					store.commit();
					extra.put("features", store.summary());
				}
				files.complete(r.result(), extra);
				var cal = input.source().calibration();
				String note = (store == null ? "" : store.describe()) + (files.staleRemoved() == 0 ? "" : (store == null ? ""
					: "\n  ") + "removed " + files.staleRemoved() + " partial file(s) a killed earlier run left");
				return new Outcome(r, input, cal.pixelWidth() * cal.pixelHeight(), cal.unit(), note.isEmpty() ? null : note,
					files.objectTable());
			}
		}
	}

	/** Above this many pixels a TIFF is read by rectangles even where ImageJ would read its pixel size otherwise. */
	static final long STREAM_ALWAYS = 1L << 28;

	/**
	 * The TIFF read by rectangles, or null for ImageJ: every single-plane TIFF whose pixel size is read as ImageJ reads
	 * it, and any that is too large to open whole (its pixel size then from its own tags).
	 */
	private static TiffSource rectangles(Path img) throws IOException {
		TiffSource t = ImageFiles.isTiff(img) ? TiffSource.open(img) : null;
		if (t == null || t.calibrationAsImageJ() || (long) t.width() * t.height() * t.channels() > STREAM_ALWAYS) return t;
		t.close();
		return null;
	}

	/**
	 * An image ImageJ reads whole (a single-plane TIFF is read by rectangles instead, whatever its size: {@link
	 * TiffSource}).
	 */
	private static ImagePlusSource source(Path img) throws IOException {
		ImagePlus imp = ImageFiles.open(img);
		if (imp.getNSlices() * imp.getNFrames() > 1) throw new IllegalArgumentException(img.getFileName() + " has "
			+ imp.getNSlices() + " slices and " + imp.getNFrames() + " frames; the command line segments 2-D images "
			+ "(use Fiji's Segment by Name, which segments every plane).");
		return new ImagePlusSource(imp, 1, 1);
	}
}
