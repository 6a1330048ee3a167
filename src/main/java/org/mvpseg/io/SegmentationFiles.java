package org.mvpseg.io;

import org.mvpseg.files.AtomicFiles;
import org.mvpseg.files.OutputLock;
import org.mvpseg.runtime.RequestException;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import org.mvpseg.image.ImageSource.Calibration;
import org.mvpseg.segment.SegmentationSink;
import org.mvpseg.segment.Segmenter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

/**
 * The files one segmentation produces: {@code <name>.labels.tif} (8-bit, 16-bit above 256 classes,
 * a colour per class, class names in the Info text and as properties {@code class.N}),
 * {@code <name>.probabilities.tif} (32-bit, one named channel per class, streamed to disk row by
 * row) and {@code <name>.summary.json}. Calibration is copied to both images.
 * <p>
 * The three are one set: each is written under a temporary name, and {@link #complete} moves them
 * into place together while holding the folder's {@link OutputLock}. Without {@code overwrite} an
 * existing member of the set — also one that another run completed meanwhile — is a conflict and
 * nothing is moved; with it, the last complete set wins and members this run does not produce are
 * removed, so the files on disk always come from one run (they share one {@code run_id}). With {@link #objects}
 * the set also holds {@code <name>.objects.tif} and {@code <name>.objects.csv} ({@link ObjectFiles}).
 */
public final class SegmentationFiles implements SegmentationSink, AutoCloseable {

	public enum Output {
		LABELS, PROBABILITIES, SUMMARY;

		public static EnumSet<Output> parse(String list) {
			EnumSet<Output> s = EnumSet.noneOf(Output.class);
			for (String p : list.split(",")) {
				String k = p.strip().toUpperCase(java.util.Locale.ROOT);
				if (k.isEmpty()) continue;
				try {
					s.add(valueOf(k));
				}
				catch (IllegalArgumentException e) {
					throw new RequestException("Unknown output '" + p.strip() + "': choose from labels, "
						+ "probabilities, summary.");
				}
			}
			if (s.isEmpty()) throw new RequestException("No outputs chosen: give labels, probabilities and/or summary.");
			return s;
		}
	}

	private final Path labelsFile, probabilitiesFile, summaryFile;
	private final EnumSet<Output> outputs;
	private final List<String> classes;
	private final Calibration calibration;
	private final int width, height;
	private final ImageJTiff labels; // written row by row, like the probabilities: never whole in memory
	private final ImageJTiff probabilities;
	private final String provenance;
	private final boolean overwrite;
	private final Path dir;
	private final String runId = java.util.UUID.randomUUID().toString();
	private final Map<Path, Path> finished = new java.util.LinkedHashMap<>(); // temporary → final
	private final String name;
	private ObjectFiles objects; // null unless objects were asked for
	private org.mvpseg.objects.ObjectTable objectTable; // after finish

	/**
	 * @param overwrite replace existing outputs; otherwise an existing file is an error, checked
	 *          before any work starts
	 */
	public SegmentationFiles(Path dir, String name, EnumSet<Output> outputs, List<String> classes, int width,
		int height, Calibration calibration, boolean overwrite, String provenance) throws IOException
	{
		this.labelsFile = dir.resolve(name + ".labels.tif");
		this.probabilitiesFile = dir.resolve(name + ".probabilities.tif");
		this.summaryFile = dir.resolve(name + ".summary.json");
		this.outputs = outputs;
		this.classes = classes;
		this.calibration = calibration;
		this.width = width;
		this.height = height;
		this.provenance = provenance;
		this.overwrite = overwrite;
		this.dir = dir;
		this.name = name;
		if (!overwrite) checkNoConflict();
		if (Files.exists(dir) && !Files.isDirectory(dir)) throw new IOException("The output folder " + dir
			.toAbsolutePath() + " is a file; give a folder with --out (it is created if missing).");
		Files.createDirectories(dir);
		boolean wide = classes.size() > 256;
		this.labels = outputs.contains(Output.LABELS) ? new ImageJTiff(labelsFile, width, height, 1, wide
			? ImageJTiff.Type.U16 : ImageJTiff.Type.U8) : null;
		this.probabilities = outputs.contains(Output.PROBABILITIES) ? new ImageJTiff(probabilitiesFile, width, height,
			classes.size(), ImageJTiff.Type.F32) : null;
	}

	/**
	 * Splits the classes {@code options} names into objects as the rows come ({@code options} null: none); call before
	 * the first row. An unknown class name is refused here, before any work.
	 */
	public SegmentationFiles objects(org.mvpseg.objects.ObjectOptions options) throws IOException {
		if (options != null) objects = new ObjectFiles(dir, name, classes, width, height, calibration, options);
		return this;
	}

	/** The objects found, after {@link #finish}; null without {@link #objects}. */
	public org.mvpseg.objects.ObjectTable objectTable() {
		return objectTable;
	}

	private List<Path> set() {
		List<Path> s = new java.util.ArrayList<>(List.of(labelsFile, probabilitiesFile, summaryFile));
		s.addAll(ObjectFiles.members(dir, name)); // always: an older run's objects are a conflict, or replaced
		return s;
	}

	/** Any existing member of the set is a conflict (another run's results, or an earlier one's). */
	private void checkNoConflict() throws IOException {
		for (Path p : set()) if (Files.exists(p)) throw new OutputConflictException(p.toAbsolutePath() + " exists "
			+ "already" + (finished.isEmpty() ? "" : " (written by another run while this one ran)") + "; nothing of "
				+ "this run was kept. Choose another output folder, delete the old results, or pass --overwrite.");
	}

	/** Results of another run are in the way and overwriting was not asked for. */
	public static final class OutputConflictException extends IOException {
		OutputConflictException(String message) {
			super(message);
		}
	}

	@Override
	public void rows(int y0, int rows, int width, float[][] p, int[] l) throws IOException {
		if (objects != null && (own == null || own.length < rows * width)) own = new float[rows * width];
		labelRows(y0, rows, l, objects == null ? null : ownProbability(p, l, rows * width, own));
		if (probabilities != null) for (int c = 0; c < p.length; c++) probabilities.writeFloats(c, y0, rows, p[c], 0);
	}

	/**
	 * Label rows without the probabilities (a tiled image's assembly): {@code own} is each pixel's probability of its
	 * class, for the objects' mean probability (null: none kept).
	 */
	public void labelRows(int y0, int rows, int[] l, float[] own) throws IOException {
		if (labels != null) labels.writeInts(0, y0, rows, l, 0);
		if (objects != null) objects.rows(rows, l, own);
	}

	private float[] own; // reused from band to band: a 16 000-pixel-wide band is megabytes

	/** Each pixel's probability of the class it is labelled with. */
	public static float[] ownProbability(float[][] p, int[] l, int n) {
		return ownProbability(p, l, n, new float[n]);
	}

	/** The same into {@code own} (at least {@code n} long). */
	static float[] ownProbability(float[][] p, int[] l, int n, float[] own) {
		for (int i = 0; i < n; i++) own[i] = p[l[i]][i];
		return own;
	}

	/** Completes the images; call {@link #writeSummary} afterwards with the run's result. */
	@Override
	public void finish() throws IOException {
		if (probabilities != null) {
			probabilities.description("channels=" + classes.size() + "\nhyperstack=true\nmode=grayscale\nmin=0.0\n"
				+ "max=1.0\n").calibration(calibration).sliceLabels(classes.toArray(new String[0])).info(provenance)
				.property("mvpseg.run", runId);
			finished.put(probabilities.finishTemporary(), probabilitiesFile);
		}
		if (labels != null) finishLabels();
		if (objects != null) objectTable = objects.finish(finished, runId, provenance);
	}

	private void finishLabels() throws IOException {
		StringBuilder table = new StringBuilder("Classes (label value = name; 0 is the first class, not a background):\n");
		for (int c = 0; c < classes.size(); c++) {
			table.append(c).append(" = ").append(classes.get(c)).append('\n');
			labels.property("class." + c, classes.get(c));
		}
		labels.property("classes", String.join(",", classes));
		labels.property("mvpseg.run", runId);
		labels.calibration(calibration).info(table + "\n" + provenance);
		if (classes.size() > 256) labels.description("min=0\nmax=" + (classes.size() - 1) + "\n");
		else {
			byte[][] lut = LabelColors.lut(classes.size());
			labels.lut(lut[0], lut[1], lut[2]);
		}
		finished.put(labels.finishTemporary(), labelsFile);
	}

	/**
	 * Writes {@code <name>.summary.json} (when asked for) and moves the whole set into place under the
	 * folder's lock: see the class comment for what happens when another run's files are there.
	 */
	public void complete(Segmenter.Result r, Map<String, Object> extra) throws IOException {
		if (outputs.contains(Output.SUMMARY)) {
			Path tmp = AtomicFiles.tempSibling(summaryFile);
			finished.put(tmp, summaryFile);
			Files.writeString(tmp, GSON.toJson(summary(r, extra)) + "\n", StandardCharsets.UTF_8);
		}
		try (OutputLock lock = OutputLock.acquire(dir)) {
			if (!overwrite) checkNoConflict();
			for (Map.Entry<Path, Path> e : finished.entrySet()) Files.move(e.getKey(), e.getValue(),
				StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
			for (Path p : set()) if (!finished.containsValue(p)) Files.deleteIfExists(p); // an older run's member
			finished.clear();
			for (Path p : set()) staleRemoved += AtomicFiles.removeStaleParts(p);
		}
	}

	private int staleRemoved;

	/** Partial files of this set left by a killed earlier run (untouched for an hour), removed by {@link #complete}. */
	public int staleRemoved() {
		return staleRemoved;
	}

	private static final com.google.gson.Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping()
		.serializeSpecialFloatingPointValues().create();

	private JsonObject summary(Segmenter.Result r, Map<String, Object> extra) {
		JsonObject o = new JsonObject();
		o.addProperty("run_id", runId);
		o.addProperty("width", r.width());
		o.addProperty("height", r.height());
		JsonObject px = new JsonObject();
		px.addProperty("width", calibration.pixelWidth());
		px.addProperty("height", calibration.pixelHeight());
		px.addProperty("unit", calibration.unit());
		o.add("pixel_size", px);
		o.add("classes", classTable(r));
		o.addProperty("area_unit", calibration.unit() + "^2");
		o.addProperty("windows", r.windows());
		o.addProperty("forward_passes", r.forwardPasses());
		o.addProperty("non_finite_pixels", r.nonFinite());
		o.addProperty("scaling", r.scaling());
		o.addProperty("seconds", r.seconds());
		extra.forEach((k, v) -> o.add(k, GSON.toJsonTree(v)));
		JsonObject files = new JsonObject();
		if (labels != null) files.addProperty("labels", labelsFile.getFileName().toString());
		if (probabilities != null) files.addProperty("probabilities", probabilitiesFile.getFileName().toString());
		if (objects != null) {
			o.add("objects", GSON.toJsonTree(objects.summary()));
			files.addProperty("objects", name + ".objects.tif");
			files.addProperty("objects_table", name + ".objects.csv");
		}
		o.add("outputs", files);
		return o;
	}

	private JsonArray classTable(Segmenter.Result r) {
		JsonArray cls = new JsonArray();
		long total = (long) r.width() * r.height();
		double pixelArea = calibration.pixelWidth() * calibration.pixelHeight();
		for (int c = 0; c < r.classes().size(); c++) {
			JsonObject e = new JsonObject();
			e.addProperty("label", c);
			e.addProperty("name", r.classes().get(c));
			e.addProperty("pixels", r.pixelCounts()[c]);
			e.addProperty("fraction", r.pixelCounts()[c] / (double) total);
			e.addProperty("area", r.pixelCounts()[c] * pixelArea);
			cls.add(e);
		}
		return cls;
	}

	/** Removes the temporary files of a run that failed, was cancelled, or met a conflict. */
	@Override
	public void close() throws IOException {
		if (probabilities != null) probabilities.close();
		if (labels != null) labels.close();
		if (objects != null) objects.close();
		for (Path p : finished.keySet()) Files.deleteIfExists(p);
		finished.clear();
	}
}
