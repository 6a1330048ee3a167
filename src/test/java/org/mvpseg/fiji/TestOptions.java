package org.mvpseg.fiji;

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
		return new FijiSegmentation.Options(classes, model, weights, prompts, denseMode, window, stride, template,
			channels, allPlanes, labels, probabilities, rois, table, WindowedCommand.Tuning.NONE, false, "auto", null);
	}
}
