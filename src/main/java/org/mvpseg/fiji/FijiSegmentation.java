package org.mvpseg.fiji;

import ij.IJ;
import ij.ImagePlus;
import ij.process.ByteProcessor;
import ij.process.ImageProcessor;
import ij.process.ShortProcessor;
import org.mvpseg.image.ClipInput;
import org.mvpseg.imagej.ImagePlusSource;
import org.mvpseg.objects.ObjectOptions;
import org.mvpseg.pipeline.Pipeline;
import org.mvpseg.pipeline.Prepared;
import org.mvpseg.pipeline.SegmentOption;
import org.mvpseg.pipeline.SegmentRequest;
import org.mvpseg.runtime.Progress;
import org.mvpseg.runtime.RequestException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * "Segment by Name" for an ImagePlus, shared by the SciJava command and the ImageJ 1.x plugin: one
 * {@link SegmentRequest} through the one {@link Pipeline}, over the current plane or every Z/T
 * plane; {@link ImageOutputs} builds the label image, probability hyperstack, ROIs and results
 * table. The input is never modified.
 */
public final class FijiSegmentation {

	/**
	 * Everything the dialog and the macro keys can set. Empty strings and zeros mean "automatic".
	 *
	 * @param values the segmentation options, in the text forms of their table (pipeline.SegmentOption)
	 * @param objects which classes to split into objects, or null for none
	 */
	public record Options(String classes, String model, String weights, Map<SegmentOption, String> values,
		boolean allPlanes, boolean labels, boolean probabilities, boolean rois, boolean table, boolean replaceRois,
		String device, ObjectOptions objects)
	{
		public Options {
			values = Map.copyOf(values);
		}

		/** The request these options make: the same words give the same request as on the command line. */
		public SegmentRequest request() {
			return SegmentOption.apply(SegmentRequest.builder().model(weights, model).device(device), values).classes(
				classes).build();
		}
	}

	/** The request and its pipeline; what fails here fails for every image ({@link Errors.SetupFailure}). */
	static Prepared prepare(Options o, Progress progress) {
		try {
			return Pipeline.prepare(o.request(), progress);
		}
		catch (java.util.concurrent.CancellationException e) {
			throw e;
		}
		catch (IOException | RuntimeException e) {
			throw new Errors.SetupFailure(e);
		}
	}

	/** What a run produced (images not yet shown); the objects' image and table are null without objects. */
	public record Outputs(ImagePlus labels, ImagePlus probabilities, ij.measure.ResultsTable table, int roisAdded,
		String provenance, ImagePlus objects, ij.measure.ResultsTable objectTable)
	{
		public Outputs(ImagePlus labels, ImagePlus probabilities, ij.measure.ResultsTable table, int roisAdded,
			String provenance)
		{
			this(labels, probabilities, table, roisAdded, provenance, null, null);
		}
	}

	private FijiSegmentation() {}

	public static Outputs run(ImagePlus imp, Options o, Progress progress) throws IOException {
		if (imp == null) throw new RequestException("No image: open one first.");
		List<int[]> planes = planes(imp, o.allPlanes());
		try (Prepared p = prepare(o, progress)) {
			ImageOutputs out = new ImageOutputs(imp, p.resolved(), o, planes.size() > 1);
			ObjectOutputs objects = o.objects() == null ? null : new ObjectOutputs(imp, p.classNames(), o.objects(), planes
				.size() > 1);
			String scaling = null;
			for (int k = 0; k < planes.size(); k++) {
				progress.checkCancelled();
				int z = planes.get(k)[0], t = planes.get(k)[1];
				Plane plane = segmentPlane(p, imp, z, t, out.wide(), planeProgress(progress, k, planes.size()));
				if (scaling == null) scaling = plane.provenance();
				out.addPlane(z, t, plane.labels(), plane.probabilities(), plane.result());
				if (objects != null) objects.addPlane(z, t, plane.labels(), plane.probabilities(), out.manager() != null);
			}
			String provenance = scaling + "\nplanes: " + (o.allPlanes() ? "all (" + planes.size() + ")" : "current (z="
				+ imp.getZ() + ", t=" + imp.getT() + ")");
			Outputs done = out.finish(provenance);
			if (objects == null) return done;
			IJ.log(objects.summary());
			return new Outputs(done.labels(), done.probabilities(), done.table(), done.roisAdded() + objects.addRois(out
				.manager()), done.provenance(), objects.image(provenance), objects.table());
		}
	}

	/**
	 * One plane's segmentation: labels, probabilities [class][pixel], the result (with each class's mean
	 * probability), the provenance text and what the plane's kept features gave.
	 */
	record Plane(ImageProcessor labels, float[][] probabilities, Prepared.ImageResult result, String provenance,
		org.mvpseg.features.FeatureStore.Stats features) {}

	/** Segments plane (z, t) of {@code imp}, its image side from (and into) the features kept in memory. */
	static Plane segmentPlane(Prepared p, ImagePlus imp, int z, int t, boolean wide, Progress progress)
		throws IOException
	{
		ClipInput input = p.input(new ImagePlusSource(imp, z, t));
		ImageProcessor lab = wide ? new ShortProcessor(imp.getWidth(), imp.getHeight()) : new ByteProcessor(imp
			.getWidth(), imp.getHeight());
		float[][] prob = new float[p.classNames().size()][imp.getWidth() * imp.getHeight()];
		org.mvpseg.features.FeatureStore store = ImageFeatures.store(imp, z, t, p);
		Prepared.ImageResult r = p.segment(input, (y0, rows, width, pr, labels) -> {
			for (int i = 0; i < rows * width; i++) lab.set(y0 * width + i, labels[i]);
			for (int c = 0; c < pr.length; c++) System.arraycopy(pr[c], 0, prob[c], y0 * width, rows * width);
		}, progress, null, store);
		return new Plane(lab, prob, r, p.provenance(imp.getTitle(), input), store.stats());
	}

	private static List<int[]> planes(ImagePlus imp, boolean all) {
		List<int[]> planes = new ArrayList<>();
		if (!all) planes.add(new int[] { imp.getZ(), imp.getT() });
		else for (int t = 1; t <= imp.getNFrames(); t++)
			for (int z = 1; z <= imp.getNSlices(); z++) planes.add(new int[] { z, t });
		return planes;
	}

	/** Progress that names the plane being segmented. */
	private static Progress planeProgress(Progress progress, int k, int planes) {
		String note = planes > 1 ? " (plane " + (k + 1) + " of " + planes + ")" : "";
		return new Progress() {
			@Override
			public void update(String what, long done, long total) {
				progress.update(what + note, done, total);
			}

			@Override
			public boolean isCancelled() {
				return progress.isCancelled();
			}
		};
	}

	/** A one-line summary for the log. */
	public static String summary(Outputs out, double seconds) {
		return String.format(Locale.ROOT, "MVP-SEG: done in %.1f s%s", seconds, out.roisAdded() > 0 ? ", "
			+ out.roisAdded() + " ROI(s) added" : "");
	}

	/** Shows the outputs (in batch mode this registers them so macros can select them). */
	public static void show(Outputs out) {
		if (out.labels() != null) out.labels().show();
		if (out.probabilities() != null) out.probabilities().show();
		if (out.table() != null) out.table().show("MVP-SEG Results");
		showObjects(out);
		IJ.log(out.provenance());
	}

	/** The objects' image and table, when asked for. */
	static void showObjects(Outputs out) {
		if (out.objects() != null) out.objects().show();
		if (out.objectTable() != null) out.objectTable().show(OBJECTS_TABLE);
	}

	/** The title of the per-object results table. */
	public static final String OBJECTS_TABLE = "MVP-SEG Objects";
}
