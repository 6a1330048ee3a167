package org.mvpseg.objects;

import java.util.Arrays;

/**
 * Provisional labels joined by a union-find, each root carrying its object's running statistics. A label's root is
 * always the smallest label of its set: labels are handed out in raster order, so the root's first pixel is the
 * object's first pixel, which gives the final numbering without sorting.
 */
final class Components {

	private int n; // labels 1..n are in use
	private int[] parent = new int[1024], cls = new int[1024], minX = new int[1024], minY = new int[1024],
		maxX = new int[1024], maxY = new int[1024];
	private long[] pixels = new long[1024], sumX = new long[1024], sumY = new long[1024];
	private double[] sumP = new double[1024];

	int size() {
		return n;
	}

	/** A new label of class {@code c} whose first pixel is (x, y). */
	int add(int c, int x, int y) {
		if (++n == parent.length) grow(parent.length + (parent.length >> 1)); // 1.5×: the arrays are most of the memory
		parent[n] = n;
		cls[n] = c;
		minX[n] = maxX[n] = x;
		minY[n] = maxY[n] = y;
		return n;
	}

	private void grow(int capacity) {
		parent = Arrays.copyOf(parent, capacity);
		cls = Arrays.copyOf(cls, capacity);
		minX = Arrays.copyOf(minX, capacity);
		minY = Arrays.copyOf(minY, capacity);
		maxX = Arrays.copyOf(maxX, capacity);
		maxY = Arrays.copyOf(maxY, capacity);
		pixels = Arrays.copyOf(pixels, capacity);
		sumX = Arrays.copyOf(sumX, capacity);
		sumY = Arrays.copyOf(sumY, capacity);
		sumP = Arrays.copyOf(sumP, capacity);
	}

	int find(int i) {
		while (parent[i] != i) {
			parent[i] = parent[parent[i]]; // path halving
			i = parent[i];
		}
		return i;
	}

	/**
	 * Counts the run of {@code n} pixels from (x, y), whose probabilities of their class sum to {@code p}, into label
	 * {@code id}'s object.
	 */
	void run(int id, int x, int n, int y, double p) {
		int r = find(id);
		pixels[r] += n;
		sumX[r] += (long) n * x + (long) n * (n - 1) / 2;
		sumY[r] += (long) n * y;
		sumP[r] += p;
		if (x < minX[r]) minX[r] = x;
		if (x + n - 1 > maxX[r]) maxX[r] = x + n - 1;
		maxY[r] = y; // rows arrive top to bottom
	}

	/** Joins the sets of {@code a} and {@code b}; the smaller root stays root and takes the other's statistics. */
	void union(int a, int b) {
		int ra = find(a), rb = find(b);
		if (ra == rb) return;
		int root = Math.min(ra, rb), gone = Math.max(ra, rb);
		parent[gone] = root;
		pixels[root] += pixels[gone];
		sumX[root] += sumX[gone];
		sumY[root] += sumY[gone];
		sumP[root] += sumP[gone];
		minX[root] = Math.min(minX[root], minX[gone]);
		maxX[root] = Math.max(maxX[root], maxX[gone]);
		minY[root] = Math.min(minY[root], minY[gone]);
		maxY[root] = Math.max(maxY[root], maxY[gone]);
	}

	/**
	 * Numbers the objects of at least {@code minSize} pixels 1, 2, … in raster order of their first pixel, counting
	 * the others as dropped; returns them and, for every label, its object's number (0 = dropped).
	 */
	ObjectTable resolve(int minSize, int classes, int[] numberOut) {
		int count = 0;
		long[] dropped = new long[classes];
		for (int i = 1; i <= n; i++) {
			if (parent[i] != i) numberOut[i] = numberOut[find(i)]; // the root is smaller: already numbered
			else if (pixels[i] >= minSize) numberOut[i] = ++count;
			else dropped[cls[i]]++;
		}
		ObjectTable t = new ObjectTable(count, dropped);
		for (int i = 1; i <= n; i++) if (parent[i] == i && numberOut[i] > 0) t.set(numberOut[i] - 1, cls[i], pixels[i],
			sumX[i], sumY[i], sumP[i], minX[i], minY[i], maxX[i] - minX[i] + 1, maxY[i] - minY[i] + 1);
		return t;
	}
}
