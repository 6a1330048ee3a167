package org.mvpseg.objects;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The bound of docs/architecture.md › Objects, checked: a 16 000 × 16 000 label stream (25 600 discs and 8 640
 * line pieces) goes through the output set — label image, object image, object table — in a child JVM whose heap
 * is 48 MB, less than a fifth of the image's own 256 MB of labels (the object ids alone would take 512 MB).
 */
class ObjectsAtScaleTest {

	@TempDir
	Path tmp;

	@Test
	void aSixteenThousandSquareImageStreamsUnderA48MbHeap() throws Exception {
		Path log = tmp.resolve("bench.log");
		Process p = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
			"-Xmx48m", "-cp", System.getProperty("java.class.path"), "org.mvpseg.bench.ObjectsStream", "16000", "16000",
			"100", tmp.resolve("out").toString())).redirectErrorStream(true).redirectOutput(log.toFile()).start();
		assertTrue(p.waitFor(300, TimeUnit.SECONDS), "finished");
		String out = Files.readString(log);
		assertEquals(0, p.exitValue(), out);
		assertTrue(out.contains("16000x16000: 34240 objects (25600 discs, expected 25600; 8640 line pieces)"), out);
		long ids = Files.size(tmp.resolve("out/synthetic.objects.tif")) - 2L * 16000 * 16000;
		assertTrue(ids > 0 && ids < 10_000, "16-bit ids and the TIFF's tags: " + ids + " bytes beyond the pixels");
		try (var lines = Files.lines(tmp.resolve("out/synthetic.objects.csv"))) {
			assertEquals(1 + 34240, lines.count(), "header + one row per object");
		}
	}
}
