package org.mvpseg.fiji;

import org.mvpseg.pipeline.SegmentOption;

/** {@link FijiSegmentation.Options} as the tests write them (production code sets every value). */
public final class TestOptions {

	private TestOptions() {}

	/**
	 * Without refinements (the model's logit scale, no denoising, key smoothing or PAMR; GPR on), earlier ROIs kept,
	 * the automatic device, no objects.
	 */
	public static FijiSegmentation.Options of(String classes, String model, String weights, String prompts,
		String denseMode, int window, int stride, String template, String channels, boolean allPlanes, boolean labels,
		boolean probabilities, boolean rois, boolean table)
	{
		java.util.Map<SegmentOption, String> values = new java.util.EnumMap<>(SegmentOption.class);
		values.put(SegmentOption.PROMPTS, prompts);
		values.put(SegmentOption.DENSE_MODE, denseMode);
		values.put(SegmentOption.WINDOW, String.valueOf(window));
		values.put(SegmentOption.STRIDE, String.valueOf(stride));
		values.put(SegmentOption.TEMPLATE, template);
		values.put(SegmentOption.CHANNELS, channels);
		return new FijiSegmentation.Options(classes, model, weights, values, allPlanes, labels, probabilities, rois,
			table, false, "auto", null);
	}
}
