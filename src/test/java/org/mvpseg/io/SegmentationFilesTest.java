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
	 * Labels beyond ImageJ's 2^31 pixels are written (the run says ImageJ 1.x cannot open them; beyond 4 GiB as a
	 * BigTIFF); an output larger than the disk's free space gets a clear message before anything is written.
	 */
	@Test
	void hugeImagesAreWrittenOrRefusedWithAClearMessageBeforeAnythingIsAllocated() throws IOException {
		try (SegmentationFiles labels = new SegmentationFiles(tmp, "x", EnumSet.of(SegmentationFiles.Output.LABELS), List
			.of("a", "b"), 60_000, 60_000, Calibration.NONE, false, ""))
		{
			labels.rows(0, 1, 60_000, new float[][] { new float[60_000], new float[60_000] }, new int[60_000]);
		}
		try (var s = Files.list(tmp)) {
			assertEquals(List.of(), s.filter(p -> !p.getFileName().toString().equals(".mvpseg.lock")).toList(),
				"an unfinished set leaves nothing");
		}
		var full = assertThrows(IOException.class, () -> new SegmentationFiles(tmp, "y", EnumSet.of(
			SegmentationFiles.Output.PROBABILITIES), List.of("a", "b", "c"), 2_000_000_000, 2_000_000_000,
			Calibration.NONE, false, ""));
		assertTrue(full.getMessage().contains("MiB free") && full.getMessage().contains("fewer outputs"), full
			.getMessage());
		try (var s = Files.list(tmp)) {
			assertEquals(0, s.filter(p -> !p.getFileName().toString().equals(".mvpseg.lock")).count(), "nothing written");
		}
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

	/** Writes a 4 × 2 set whose labels are {@code l}, objects of class 1, and returns its objects. */
	private org.mvpseg.objects.ObjectTable objectSet(String name, boolean overwrite, int[] l) throws IOException {
		try (SegmentationFiles f = new SegmentationFiles(tmp, name, EnumSet.of(SegmentationFiles.Output.LABELS,
			SegmentationFiles.Output.SUMMARY), List.of("a", "b"), 4, 2, Calibration.NONE, overwrite, "").objects(
				org.mvpseg.objects.ObjectOptions.parse("b", "4", "0")))
		{
			f.rows(0, 2, 4, new float[][] { new float[8], new float[8] }, l);
			f.finish();
			f.complete(new org.mvpseg.segment.Segmenter.Result(List.of("a", "b"), new long[2], 4, 2, 0, 0, 0, 0, 0, 0, 0, 0,
				"", "", null, null), new java.util.HashMap<>());
			return f.objectTable();
		}
	}

	/** The objects files are members of the set: moved in with it, a conflict for another run, replaced with it. */
	@Test
	void objectFilesAreMembersOfTheSet() throws IOException {
		assertEquals(2, objectSet("o", false, new int[] { 1, 0, 1, 1, 0, 0, 1, 1 }).size());
		assertTrue(Files.exists(tmp.resolve("o.objects.tif")) && Files.exists(tmp.resolve("o.objects.csv")));
		assertEquals(List.of("object,class,label,pixels,area,centroid_x,centroid_y,bbox_x,bbox_y,bbox_width,"
			+ "bbox_height,mean_probability", "1,b,1,1,1.0,0.5,0.5,0,0,1,1,0.0", "2,b,1,4,4.0,3.0,1.0,2,0,2,2,0.0"), Files
				.readAllLines(tmp.resolve("o.objects.csv")));
		String csv = Files.readString(tmp.resolve("o.objects.csv"));
		assertThrows(SegmentationFiles.OutputConflictException.class, () -> objectSet("o", false, new int[8]));
		assertEquals(csv, Files.readString(tmp.resolve("o.objects.csv")), "an existing set is never touched");
		assertEquals(0, objectSet("o", true, new int[8]).size());
		assertEquals(1, Files.readAllLines(tmp.resolve("o.objects.csv")).size(), "replaced: a header, no objects");
	}
}
