package org.mvpseg.bench;

import org.mvpseg.image.ImageSource.Calibration;
import org.mvpseg.io.SegmentationFiles;
import org.mvpseg.objects.ObjectOptions;
import org.mvpseg.objects.ObjectTable;
import org.mvpseg.segment.Segmenter;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;

/**
 * Objects at scale without a model (README › Performance): a synthetic label stream of WIDTH × HEIGHT pixels — a
 * disc in every PITCH × PITCH cell (class "disc") and diagonal lines between them (class "line", 8-connected
 * chains) — goes row band by row band through the same {@link SegmentationFiles} as {@code segment --objects all}:
 * label image, object image, object table, summary. Prints the time, the objects and the heap's peak; run it under a
 * small heap:
 * <p>
 * {@code java -Xmx160m -cp target/test-classes:target/classes:$(cat cp.txt) org.mvpseg.bench.ObjectsStream 16000
 * 16000 20 OUTDIR} (cp.txt from {@code mvn dependency:build-classpath -Dmdep.outputFile=cp.txt}).
 */
public final class ObjectsStream {

	private ObjectsStream() {}

	/** The class of pixel (x, y): 1 inside the cell's disc, 2 on a diagonal line outside discs, else 0. */
	public static int label(int x, int y, int pitch) {
		int cx = x % pitch - pitch / 2, cy = y % pitch - pitch / 2;
		double r = pitch * 0.35;
		if (cx * cx + cy * cy <= r * r) return 1;
		return (x + y) % (3 * pitch) == 0 ? 2 : 0;
	}

	public static void main(String[] args) throws Exception {
		int w = Integer.parseInt(args[0]), h = Integer.parseInt(args[1]), pitch = Integer.parseInt(args[2]), band = 64;
		Path out = Path.of(args[3]);
		List<String> classes = List.of("background", "disc", "line");
		long t0 = System.nanoTime();
		long[] counts = new long[3];
		ObjectTable objects;
		try (SegmentationFiles files = new SegmentationFiles(out, "synthetic", EnumSet.of(SegmentationFiles.Output.LABELS,
			SegmentationFiles.Output.SUMMARY), classes, w, h, Calibration.NONE, true, "ObjectsStream bench").objects(
				ObjectOptions.parse("disc, line", "8", "0")))
		{
			int[] l = new int[band * w];
			float[][] p = new float[3][band * w];
			for (int y0 = 0; y0 < h; y0 += band) {
				int n = Math.min(band, h - y0);
				for (int i = 0; i < n * w; i++) {
					l[i] = label(i % w, y0 + i / w, pitch);
					counts[l[i]]++;
					p[l[i]][i] = 0.5f + (i % 7) / 20f;
				}
				files.rows(y0, n, w, p, l);
			}
			files.finish();
			objects = files.objectTable();
			files.complete(new Segmenter.Result(classes, counts, w, h, 0, 0, 0, 0, 0, 0, 0, 0, "synthetic", "none", null, null),
				new java.util.HashMap<>());
		}
		long discs = (long) (w / pitch) * (h / pitch);
		System.out.printf(Locale.ROOT, "%dx%d: %d objects (%d discs, expected %d; %d line pieces) in %.1f s; heap "
			+ "pools' peaks summed %.0f MB, -Xmx %.0f MB%n", w, h, objects.size(), objects.counts()[1], discs, objects
				.counts()[2], (System.nanoTime() - t0) / 1e9, heapPeak() / 1e6, Runtime.getRuntime().maxMemory() / 1e6);
		if (objects.counts()[1] != discs) throw new AssertionError("disc count " + objects.counts()[1] + " != " + discs);
	}

	static long heapPeak() {
		long s = 0;
		for (MemoryPoolMXBean m : ManagementFactory.getMemoryPoolMXBeans()) if (m.getType() == MemoryType.HEAP) s += m
			.getPeakUsage().getUsed();
		return s;
	}
}
