package org.mvpseg.pipeline;

import org.mvpseg.image.ClipInput;
import org.mvpseg.image.ImageSource;
import org.mvpseg.runtime.Progress;
import org.mvpseg.segment.PixelClassifier;
import org.mvpseg.segment.SegmentationSink;
import org.mvpseg.segment.Segmenter;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * A ready pipeline: segmenter and classifier set up from one {@link SegmentRequest}, and the
 * {@link Resolved} values. Segment any number of images with it, from any number of threads at once (it keeps
 * nothing of an image: each image's figures, presence included, are its {@link ImageResult}), then close it.
 */
public final class Prepared implements AutoCloseable {

	private final SegmentRequest request;
	private final Segmenter segmenter;
	private final PixelClassifier classifier;
	private final Resolved resolved;
	private final org.mvpseg.clip.ClipModel model;
	private final org.mvpseg.models.ModelResolver.Resolved weights;
	private final java.nio.file.Path ownBlock; // a student file whose last block replaces CLIP's, or null

	Prepared(SegmentRequest request, Segmenter segmenter, PixelClassifier classifier, Resolved resolved,
		org.mvpseg.clip.ClipModel model, org.mvpseg.models.ModelResolver.Resolved weights, java.nio.file.Path ownBlock)
	{
		this.ownBlock = ownBlock;
		this.model = model;
		this.weights = weights;
		this.request = request;
		this.segmenter = segmenter;
		this.classifier = classifier;
		this.resolved = resolved;
	}

	/** One image's result: the segmenter's figures and, for MVP-SEG, GPR's class presence. */
	public record ImageResult(Segmenter.Result result) {

		/** GPR's class presence over the image's windows; empty for methods without one. */
		public Optional<PixelClassifier.Presence> presence() {
			return Optional.ofNullable(result.presence());
		}
	}

	/** The percentiles that 16- and 32-bit intensities are scaled between. */
	public static final double LOW_PERCENTILE = 0.5, HIGH_PERCENTILE = 99.5;

	/** CLIP's input for an image: the request's channels, intensities scaled between the 0.5 and 99.5 percentiles. */
	public ClipInput input(ImageSource source) {
		return ClipInput.of(source, request.channels(), LOW_PERCENTILE, HIGH_PERCENTILE);
	}

	/** Segments one image, handing rows to {@code sink}. */
	public ImageResult segment(ClipInput input, SegmentationSink sink, Progress progress) throws IOException {
		return segment(input, sink, progress, null);
	}

	/**
	 * Segments the rectangle {@code core} of an image (null: all of it) as a run over the whole image would: {@link
	 * Segmenter#run(ClipInput, PixelClassifier, SegmentationSink, Progress, org.mvpseg.image.Rect)}.
	 * GPR's presence then covers the windows that touch the core.
	 */
	public ImageResult segment(ClipInput input, SegmentationSink sink, Progress progress,
		org.mvpseg.image.Rect core) throws IOException
	{
		return segment(input, sink, progress, core, null);
	}

	/**
	 * As {@link #segment(ClipInput, SegmentationSink, Progress, org.mvpseg.image.Rect)}, with the image side taken
	 * from {@code store} where it holds it and kept there where computed (null: none). The store must have been
	 * opened for this pipeline's {@link #featureIdentity()}.
	 */
	public ImageResult segment(ClipInput input, SegmentationSink sink, Progress progress,
		org.mvpseg.image.Rect core, org.mvpseg.features.FeatureStore store) throws IOException
	{
		Segmenter.Result r = segmenter.run(input, classifier, sink, progress, core, store);
		return new ImageResult(r);
	}

	/**
	 * What shapes the image side besides the pixels (which each window's digest covers): the weights by their
	 * tensors, the architecture, the dense mode, the precision and the tower's last block (CLIP's own, or a student's
	 * fine-tuned one by its file's SHA-256). Two pipelines with equal identities compute equal features.
	 */
	public synchronized java.util.Map<String, String> featureIdentity() throws IOException {
		if (featureIdentity == null) featureIdentity = computeFeatureIdentity();
		return featureIdentity;
	}

	/** Computed once per pipeline: a student's file is hashed once, not for every image, plane or tile. */
	private java.util.Map<String, String> featureIdentity;

	private java.util.Map<String, String> computeFeatureIdentity() throws IOException {
		java.util.Map<String, String> m = new java.util.TreeMap<>();
		m.put("weights", weights.identity());
		m.put("model", model.config().describe());
		m.put("dense_mode", resolved.denseMode().label());
		m.put("precision", model.dataType() == ai.djl.ndarray.types.DataType.FLOAT16 ? "fp16" : "fp32");
		m.put("last_block", ownBlock != null ? "student " + org.mvpseg.models.ModelCache.sha256(ownBlock) : "CLIP");
		return java.util.Collections.unmodifiableMap(m);
	}

	/** CLIP's input for a part of an image, scaled with the whole image's {@code scaling}. */
	public ClipInput input(ImageSource source, ClipInput.Scaling scaling) {
		return ClipInput.of(source, request.channels(), scaling);
	}

	/** The text for an output's Info and the Log: what was segmented, how, with every value used. */
	public String provenance(String imageName, ClipInput input) {
		StringBuilder sb = new StringBuilder("MVP-SEG segmentation of " + imageName + " (" + resolved.method() + ")\n");
		for (String line : resolved.lines()) sb.append(line).append('\n');
		return sb.append("scaling: ").append(input.scalingDescription()).toString();
	}

	/** The summary's fields beyond the class table: the image, every value used, GPR presence. */
	public java.util.Map<String, Object> summary(String image, ImageResult r) {
		return summary(image, resolved.toMap(), classNames(), r.presence().map(p -> p.max()).orElse(null), r.presence()
			.map(p -> p.mean()).orElse(null));
	}

	/**
	 * The same fields from their parts (a tiled image's, assembled where no pipeline runs): GPR's highest and mean g_c
	 * per class, either null where not known.
	 */
	public static java.util.Map<String, Object> summary(String image, Object parameters, List<String> classes,
		double[] presenceMax, double[] presenceMean)
	{
		java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
		m.put("image", image);
		m.put("parameters", parameters);
		if (presenceMax != null) {
			java.util.Map<String, Object> g = new java.util.LinkedHashMap<>();
			for (int c = 0; c < presenceMax.length; c++) g.put(classes.get(c), presenceMean == null ? java.util.Map.of(
				"max", presenceMax[c]) : java.util.Map.of("max", presenceMax[c], "mean", presenceMean[c]));
			m.put("gpr_presence", g);
		}
		return m;
	}

	public Resolved resolved() {
		return resolved;
	}

	public List<String> classNames() {
		return classifier.classNames();
	}

	public PixelClassifier classifier() {
		return classifier;
	}

	public Segmenter segmenter() {
		return segmenter;
	}

	/** This pipeline as MVP-SEG+'s teacher. */
	public org.mvpseg.student.Teacher teacher() {
		Prepared p = this;
		return new org.mvpseg.student.Teacher() {
			public org.mvpseg.clip.ClipModel model() {
				return model;
			}

			public String weightsIdentity() throws IOException {
				return weights.identity();
			}

			public org.mvpseg.clip.DenseMode denseMode() {
				return resolved.denseMode();
			}

			public List<String> classes() {
				return classNames();
			}

			public PixelClassifier.Embeddings embeddings() {
				return classifier.embeddings().orElseThrow(() -> new IllegalArgumentException("The teacher (" + resolved
					.classifier() + ") has no text embeddings for a student's classifier."));
			}

			public java.util.Optional<org.mvpseg.mvp.Gpr> gpr() {
				return classifier instanceof org.mvpseg.mvp.MvpClassifier mvp ? java.util.Optional.of(mvp.gpr())
					: java.util.Optional.empty();
			}

			public String describe() {
				return resolved.classifier();
			}

			public ClipInput input(ImageSource image) {
				return p.input(image);
			}

			public void segment(ClipInput input, SegmentationSink sink, Progress progress) throws IOException {
				p.segment(input, sink, progress);
			}
		};
	}

	@Override
	public void close() {
		classifier.close();
	}
}
