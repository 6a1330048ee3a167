package org.mvpseg.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvpseg.image.ImageSource.Calibration;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;

class SegmentationFilesTest {

	@TempDir
	Path tmp;

	/**
	 * Labels beyond ImageJ's 2^31 pixels are written while they fit a classic TIFF (the run says ImageJ 1.x cannot
	 * open them); beyond 4 GiB a clear message comes before anything is written.
	 */
	@Test
	void hugeImagesGetAClearMessageBeforeAnythingIsAllocated() throws IOException {
		try (SegmentationFiles labels = new SegmentationFiles(tmp, "x", EnumSet.of(SegmentationFiles.Output.LABELS), List
			.of("a", "b"), 60_000, 60_000, Calibration.NONE, false, ""))
		{
			labels.rows(0, 1, 60_000, new float[][] { new float[60_000], new float[60_000] }, new int[60_000]);
		}
		try (var s = Files.list(tmp)) {
			assertEquals(List.of(), s.filter(p -> !p.getFileName().toString().equals(".mvpseg.lock")).toList(),
				"an unfinished set leaves nothing");
		}
		var wide = assertThrows(IOException.class, () -> new SegmentationFiles(tmp, "w", EnumSet.of(
			SegmentationFiles.Output.LABELS), java.util.stream.IntStream.range(0, 300).mapToObj(i -> "c" + i).toList(),
			60_000, 60_000, Calibration.NONE, false, ""));
		assertTrue(wide.getMessage().contains("4 GiB"), "16-bit labels of 3.6 G pixels: " + wide.getMessage());
		var big = assertThrows(IOException.class, () -> new SegmentationFiles(tmp, "y", EnumSet.of(
			SegmentationFiles.Output.PROBABILITIES), List.of("a", "b", "c"), 40_000, 40_000, Calibration.NONE, false,
			""));
		assertTrue(big.getMessage().contains("4 GiB"), big.getMessage());
	}

	@Test
	void anAbandonedRunLeavesNoPartialFile() throws IOException {
		try (SegmentationFiles f = new SegmentationFiles(tmp, "z", EnumSet.allOf(SegmentationFiles.Output.class), List
			.of("a", "b"), 10, 10, Calibration.NONE, false, ""))
		{
			f.rows(0, 1, 10, new float[][] { new float[10], new float[10] }, new int[10]);
		}
		try (var s = Files.list(tmp)) {
			assertEquals(0, s.count(), "nothing left after close without finish");
		}
	}
}
