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

	@Test
	void hugeImagesGetAClearMessageBeforeAnythingIsAllocated() {
		var e = assertThrows(IllegalArgumentException.class, () -> new SegmentationFiles(tmp, "x", EnumSet.of(
			SegmentationFiles.Output.LABELS), List.of("a", "b"), 60_000, 60_000, Calibration.NONE, false, ""));
		assertTrue(e.getMessage().contains("3600000000 pixels") && e.getMessage().contains("in parts"), e.getMessage());
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
