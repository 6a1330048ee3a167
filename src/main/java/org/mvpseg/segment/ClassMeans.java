package org.mvpseg.segment;

/**
 * Each class's mean probability over the pixels labelled with it, accumulated from the rows a {@link
 * SegmentationSink} receives (results tables of the command line, Spark and Fiji).
 */
public final class ClassMeans implements java.io.Serializable {

	private static final long serialVersionUID = 1L;

	private final double[] sum;
	private final long[] count;

	public ClassMeans(int classes) {
		sum = new double[classes];
		count = new long[classes];
	}

	/** Adds {@code n} pixels: their labels and every class's probabilities, as a sink receives them. */
	public void add(float[][] probabilities, int[] labels, int n) {
		for (int i = 0; i < n; i++) {
			sum[labels[i]] += probabilities[labels[i]][i];
			count[labels[i]]++;
		}
	}

	/** Adds the pixels another part of the same image counted (a tile of a huge image). */
	public void merge(ClassMeans o) {
		for (int c = 0; c < sum.length; c++) {
			sum[c] += o.sum[c];
			count[c] += o.count[c];
		}
	}

	/** The means by class name, in label order (the summaries' {@code mean_probability}). */
	public java.util.Map<String, Object> byName(java.util.List<String> classes) {
		double[] m = means();
		java.util.Map<String, Object> out = new java.util.LinkedHashMap<>();
		for (int c = 0; c < m.length; c++) out.put(classes.get(c), m[c]);
		return out;
	}

	/** The means so far; 0 for a class no pixel was labelled with. */
	public double[] means() {
		double[] m = new double[sum.length];
		for (int c = 0; c < m.length; c++) m[c] = count[c] == 0 ? 0 : sum[c] / count[c];
		return m;
	}
}
