package org.mvpseg.mvp;

import org.mvpseg.image.ArrayImage;
import org.mvpseg.image.ImageSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Annotated images whose classes differ only in local statistics (colour and texture), so that even
 * a CLIP with random weights gives features that separate them. Used to prove that prompt training
 * learns (tests, README figures) where no real CLIP weights are available.
 */
public final class SyntheticDataset {

	/** Class names, in label order. */
	public static final List<String> CLASSES = List.of("red", "green", "blue", "yellow", "striped", "dotted");

	private SyntheticDataset() {}

	/** {@code n} images of {@code size}², each a Voronoi mosaic of 3–6 regions of random classes. */
	public static List<LabelledImage> generate(int n, int size, long seed) {
		Random r = new Random(seed);
		List<LabelledImage> out = new ArrayList<>();
		for (int k = 0; k < n; k++) {
			int regions = 3 + r.nextInt(4);
			int[] sx = new int[regions], sy = new int[regions], cls = new int[regions];
			for (int i = 0; i < regions; i++) {
				sx[i] = r.nextInt(size);
				sy[i] = r.nextInt(size);
				cls[i] = i < CLASSES.size() && r.nextBoolean() ? (k + i) % CLASSES.size() : r.nextInt(CLASSES.size());
			}
			int[] rgb = new int[size * size], labels = new int[size * size];
			for (int y = 0; y < size; y++)
				for (int x = 0; x < size; x++) {
					int best = 0;
					long bd = Long.MAX_VALUE;
					for (int i = 0; i < regions; i++) {
						long d = (long) (x - sx[i]) * (x - sx[i]) + (long) (y - sy[i]) * (y - sy[i]);
						if (d < bd) {
							bd = d;
							best = i;
						}
					}
					int c = cls[best];
					labels[y * size + x] = c;
					rgb[y * size + x] = texture(c, x, y, r);
				}
			out.add(new LabelledImage("synthetic-" + k, ArrayImage.ofRgb(size, size, ImageSource.Calibration.NONE, rgb),
				labels));
		}
		return out;
	}

	private static int texture(int c, int x, int y, Random r) {
		int noise = r.nextInt(41) - 20;
		return switch (c) {
			case 0 -> rgb(200 + noise, 40 + noise, 40 + noise);
			case 1 -> rgb(40 + noise, 180 + noise, 50 + noise);
			case 2 -> rgb(40 + noise, 60 + noise, 200 + noise);
			case 3 -> rgb(210 + noise, 200 + noise, 40 + noise);
			case 4 -> (x / 4) % 2 == 0 ? rgb(230 + noise / 2, 230 + noise / 2, 230 + noise / 2) : rgb(25, 25, 25);
			default -> (x % 8 < 3 && y % 8 < 3) ? rgb(20, 20, 20) : rgb(150 + noise, 150 + noise, 150 + noise);
		};
	}

	private static int rgb(int r, int g, int b) {
		return (clamp(r) << 16) | (clamp(g) << 8) | clamp(b);
	}

	private static int clamp(int v) {
		return Math.max(0, Math.min(255, v));
	}
}
