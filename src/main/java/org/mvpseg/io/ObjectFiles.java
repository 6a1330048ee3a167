package org.mvpseg.io;

import org.mvpseg.files.AtomicFiles;
import org.mvpseg.image.ImageSource.Calibration;
import org.mvpseg.objects.ObjectLabeller;
import org.mvpseg.objects.ObjectOptions;
import org.mvpseg.objects.ObjectTable;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An image's objects as files, members of its output set ({@link SegmentationFiles}): {@code <name>.objects.tif}
 * (object ids, 16-bit up to 65 535 objects, 32-bit beyond, 0 = no object) and {@code <name>.objects.csv} (one row
 * per object), both under temporary names until the set completes (docs/file-formats.md › Objects).
 */
final class ObjectFiles implements AutoCloseable {

	/** Rows of object ids per write while relabelling: about 4 MB of ids whatever the width. */
	private static final int BAND_PIXELS = 1 << 20;

	private final Path tif, csv;
	private final List<String> classes;
	private final int width, height;
	private final Calibration calibration;
	private final ObjectOptions options;
	private final ObjectLabeller labeller;
	private ObjectTable table;
	private int provisional;

	ObjectFiles(Path dir, String name, List<String> classes, int width, int height, Calibration calibration,
		ObjectOptions options) throws IOException
	{
		this.tif = dir.resolve(name + ".objects.tif");
		this.csv = dir.resolve(name + ".objects.csv");
		this.classes = classes;
		this.width = width;
		this.height = height;
		this.calibration = calibration;
		this.options = options;
		this.labeller = new ObjectLabeller(width, options.chosen(classes), options.connectivity(), AtomicFiles
			.tempSibling(tif));
	}

	static List<Path> members(Path dir, String name) {
		return List.of(dir.resolve(name + ".objects.tif"), dir.resolve(name + ".objects.csv"));
	}

	/** Label rows and each pixel's probability of its class (null when the caller has none). */
	void rows(int rows, int[] labels, float[] own) throws IOException {
		labeller.rows(rows, labels, own);
	}

	/**
	 * Resolves the objects and writes both files under temporary names, added to {@code finished} (temporary →
	 * final); returns the objects.
	 */
	ObjectTable finish(Map<Path, Path> finished, String runId, String provenance) throws IOException {
		provisional = labeller.provisional();
		table = labeller.finish(options.minSize());
		ImageJTiff.Type type = table.size() <= 65535 ? ImageJTiff.Type.U16 : ImageJTiff.Type.U32;
		try (ImageJTiff ids = new ImageJTiff(tif, width, height, 1, type)) {
			labeller.relabel(Math.max(1, BAND_PIXELS / width), (y0, rows, v) -> ids.writeInts(0, y0, rows, v, 0));
			ids.description("min=0\nmax=" + Math.max(1, table.size()) + "\n").calibration(calibration).property(
				"mvpseg.run", runId).property("objects", String.valueOf(table.size())).info("Object ids (0 = no object; "
					+ "1, 2, … in raster order of each object's first pixel) of " + options.describe() + "; measurements "
					+ "in " + csv.getFileName() + "\n\n" + provenance);
			finished.put(ids.finishTemporary(), tif);
		}
		Path tmp = AtomicFiles.tempSibling(csv);
		finished.put(tmp, csv);
		writeCsv(tmp);
		return table;
	}

	private void writeCsv(Path file) throws IOException {
		try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
			w.write(String.join(",", ObjectTable.COLUMNS));
			w.newLine();
			StringBuilder line = new StringBuilder();
			for (int i = 0; i < table.size(); i++) {
				line.setLength(0);
				for (Object v : table.row(i, classes, calibration)) line.append(line.length() == 0 ? "" : ",").append(
					v instanceof String s ? quoted(s) : v);
				w.write(line.toString());
				w.newLine();
			}
		}
	}

	private static String quoted(String s) {
		return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
	}

	/** The summary's {@code objects} block: the settings, and per class the objects kept and dropped. */
	Map<String, Object> summary() {
		Map<String, Object> m = new LinkedHashMap<>();
		m.put("split", options.describe());
		m.put("connectivity", options.connectivity().number());
		m.put("min_size", options.minSize());
		m.put("total", table.size());
		m.put("provisional_labels", provisional); // the union-find's size: what the objects' memory grows with
		Map<String, Object> per = new LinkedHashMap<>();
		long[] counts = table.counts(), dropped = table.dropped();
		boolean[] split = options.chosen(classes);
		for (int c = 0; c < classes.size(); c++) if (split[c]) per.put(classes.get(c), Map.of("objects", counts[c],
			"dropped", dropped[c]));
		m.put("classes", per);
		m.put("files", List.of(tif.getFileName().toString(), csv.getFileName().toString()));
		return m;
	}

	@Override
	public void close() throws IOException {
		labeller.close();
	}
}
