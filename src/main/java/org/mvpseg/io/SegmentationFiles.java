package org.mvpseg.io;

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
 * row) and {@code <name>.summary.json}. Calibration is copied to both images. Nothing is written
 * under a final name until it is complete, and existing files are replaced only when asked.
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
					throw new IllegalArgumentException("Unknown output '" + p.strip() + "': choose from labels, "
						+ "probabilities, summary.");
				}
			}
			if (s.isEmpty()) throw new IllegalArgumentException("No outputs chosen: give labels, probabilities and/or summary.");
			return s;
		}
	}

	private final Path labelsFile, probabilitiesFile, summaryFile;
	private final EnumSet<Output> outputs;
	private final List<String> classes;
	private final Calibration calibration;
	private final int width, height;
	private final byte[] labels8;
	private final short[] labels16;
	private final ImageJTiff probabilities;
	private final String provenance;

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
		if (!overwrite) {
			for (Path p : List.of(labelsFile, probabilitiesFile, summaryFile)) {
				if (Files.exists(p) && outputs.contains(kind(p))) throw new IOException(p + " exists already; "
					+ "choose another --out folder, delete it, or pass --overwrite.");
			}
		}
		Files.createDirectories(dir);
		if ((long) width * height > Integer.MAX_VALUE - 64) throw new IllegalArgumentException("The image has "
			+ (long) width * height + " pixels, more than one label image can hold (2^31); segment it in parts, "
			+ "or resize it first with --short-side.");
		boolean wide = classes.size() > 256, want = outputs.contains(Output.LABELS);
		this.labels8 = want && !wide ? new byte[Math.multiplyExact(width, height)] : null;
		this.labels16 = want && wide ? new short[Math.multiplyExact(width, height)] : null;
		this.probabilities = outputs.contains(Output.PROBABILITIES) ? new ImageJTiff(probabilitiesFile, width, height,
			classes.size(), ImageJTiff.Type.F32) : null;
	}

	private Output kind(Path p) {
		return p == labelsFile ? Output.LABELS : p == probabilitiesFile ? Output.PROBABILITIES : Output.SUMMARY;
	}

	@Override
	public void rows(int y0, int rows, int width, float[][] p, int[] l) throws IOException {
		int at = y0 * width;
		if (labels8 != null) for (int i = 0; i < rows * width; i++) labels8[at + i] = (byte) l[i];
		if (labels16 != null) for (int i = 0; i < rows * width; i++) labels16[at + i] = (short) l[i];
		if (probabilities != null) for (int c = 0; c < p.length; c++) probabilities.writeFloats(c, y0, rows, p[c], 0);
	}

	/** Completes the images; call {@link #writeSummary} afterwards with the run's result. */
	@Override
	public void finish() throws IOException {
		if (probabilities != null) {
			probabilities.description("channels=" + classes.size() + "\nhyperstack=true\nmode=grayscale\nmin=0.0\n"
				+ "max=1.0\n").calibration(calibration).sliceLabels(classes.toArray(new String[0])).info(provenance);
			probabilities.finish();
		}
		if (labels8 != null || labels16 != null) writeLabels();
	}

	private void writeLabels() throws IOException {
		boolean wide = classes.size() > 256;
		try (ImageJTiff t = new ImageJTiff(labelsFile, width, height, 1, wide ? ImageJTiff.Type.U16
			: ImageJTiff.Type.U8))
		{
			StringBuilder table = new StringBuilder("Classes (label value = name):\n");
			for (int c = 0; c < classes.size(); c++) {
				table.append(c).append(" = ").append(classes.get(c)).append('\n');
				t.property("class." + c, classes.get(c));
			}
			t.property("classes", String.join(",", classes));
			t.calibration(calibration).info(table + "\n" + provenance);
			if (wide) t.description("min=0\nmax=" + (classes.size() - 1) + "\n");
			else {
				byte[][] lut = LabelColors.lut(classes.size());
				t.lut(lut[0], lut[1], lut[2]);
			}
			if (wide) t.writeShorts(0, 0, height, labels16, 0);
			else t.writeBytes(0, 0, height, labels8, 0);
			t.finish();
		}
	}

	/** Writes {@code <name>.summary.json}: classes with pixel counts and areas, model, parameters, time. */
	public void writeSummary(Segmenter.Result r, Map<String, Object> extra) throws IOException {
		if (!outputs.contains(Output.SUMMARY)) return;
		JsonObject o = new JsonObject();
		o.addProperty("width", r.width());
		o.addProperty("height", r.height());
		JsonObject px = new JsonObject();
		px.addProperty("width", calibration.pixelWidth());
		px.addProperty("height", calibration.pixelHeight());
		px.addProperty("unit", calibration.unit());
		o.add("pixel_size", px);
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
		o.add("classes", cls);
		o.addProperty("area_unit", calibration.unit() + "^2");
		JsonObject params = new JsonObject();
		params.addProperty("window", r.window());
		params.addProperty("stride", r.stride());
		params.addProperty("batch", r.batchSize());
		params.addProperty("scaling", r.scaling());
		params.addProperty("classifier", r.classifier());
		o.add("parameters", params);
		o.addProperty("windows", r.windows());
		o.addProperty("forward_passes", r.forwardPasses());
		o.addProperty("non_finite_pixels", r.nonFinite());
		o.addProperty("seconds", r.seconds());
		var gson = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeSpecialFloatingPointValues().create();
		extra.forEach((k, v) -> o.add(k, gson.toJsonTree(v)));
		JsonObject files = new JsonObject();
		if (labels8 != null || labels16 != null) files.addProperty("labels", labelsFile.getFileName().toString());
		if (probabilities != null) files.addProperty("probabilities", probabilitiesFile.getFileName().toString());
		o.add("outputs", files);
		Path tmp = AtomicFiles.tempSibling(summaryFile);
		try {
			Files.writeString(tmp, gson.toJson(o) + "\n", StandardCharsets.UTF_8);
			Files.move(tmp, summaryFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
		}
		finally {
			Files.deleteIfExists(tmp);
		}
	}

	/** Removes a partial probability file when the run failed or was cancelled. */
	@Override
	public void close() throws IOException {
		if (probabilities != null) probabilities.close();
	}
}
