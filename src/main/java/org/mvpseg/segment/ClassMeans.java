package org.mvpseg.segment;

import java.io.IOException;

/**
 * Each class's mean probability over the pixels labelled with it, from the rows a {@link SegmentationSink} receives:
 * kept by the segmenter for every image ({@link Segmenter.Result#means()}), and for a huge image merged over its
 * tiles. Sums and counts rather than means, so that parts merge exactly.
 */
public final class ClassMeans implements java.io.Serializable {

	private static final long serialVersionUID = 1L;

	private final double[] sum;
	private final long[] count;

	ClassMeans(int classes) {
		sum = new double[classes];
		count = new long[classes];
	}

	/** Adds {@code n} pixels: their labels and every class's probabilities, as a sink receives them. */
	void add(float[][] probabilities, int[] labels, int n) {
		for (int i = 0; i < n; i++) {
			sum[labels[i]] += probabilities[labels[i]][i];
			count[labels[i]]++;
		}
	}

	/** {@code sink}, with every row it receives added here. */
	SegmentationSink around(SegmentationSink sink) {
		return new SegmentationSink() {
			@Override
			public void rows(int y0, int rows, int width, float[][] probabilities, int[] labels) throws IOException {
				sink.rows(y0, rows, width, probabilities, labels);
				add(probabilities, labels, rows * width);
			}

			@Override
			public void finish() throws IOException {
				sink.finish();
			}
		};
	}

	/** These pixels and those another part of the same image counted (a tile of a huge image). */
	public ClassMeans merge(ClassMeans o) {
		ClassMeans m = new ClassMeans(sum.length);
		for (int c = 0; c < sum.length; c++) {
			m.sum[c] = sum[c] + o.sum[c];
			m.count[c] = count[c] + o.count[c];
		}
		return m;
	}

	/** The means by class name, in label order (the summaries' {@code mean_probability}). */
	public java.util.Map<String, Object> byName(java.util.List<String> classes) {
		double[] m = means();
		java.util.Map<String, Object> out = new java.util.LinkedHashMap<>();
		for (int c = 0; c < m.length; c++) out.put(classes.get(c), m[c]);
		return out;
	}

	/** The means; 0 for a class no pixel was labelled with. */
	public double[] means() {
		double[] m = new double[sum.length];
		for (int c = 0; c < m.length; c++) m[c] = count[c] == 0 ? 0 : sum[c] / count[c];
		return m;
	}
}
