package org.mvpseg.spark;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The results table's rows (docs/spark.md › What it writes): an image's classes, a failed image's one row, and the
 * rows of an image an earlier run completed, read back from its summary when it was made the same way.
 */
final class Rows {

	static final StructType SCHEMA = new StructType().add("image", DataTypes.StringType).add("status",
		DataTypes.StringType).add("class", DataTypes.StringType, true).add("label", DataTypes.IntegerType, true).add(
			"pixels", DataTypes.LongType, true).add("fraction", DataTypes.DoubleType, true).add("area",
				DataTypes.DoubleType, true).add("unit", DataTypes.StringType, true).add("mean_probability",
					DataTypes.DoubleType, true).add("gpr_presence", DataTypes.DoubleType, true).add("error",
						DataTypes.StringType, true).add("objects", DataTypes.LongType, true);

	private Rows() {}

	/**
	 * An image's rows: one per class, with GPR's highest g_c where it has one ({@code objects}: the objects of each
	 * class, null for a class not split or without {@code --objects}).
	 */
	static List<Row> classRows(String image, org.mvpseg.segment.Segmenter.Result r, double pixelArea, String unit,
		Long[] objects)
	{
		List<Row> out = new ArrayList<>();
		long total = (long) r.width() * r.height();
		double[] meanProbability = r.meanProbability(), presence = r.presence() == null ? null : r.presence().max();
		for (int c = 0; c < r.classes().size(); c++) {
			long n = r.pixelCounts()[c];
			out.add(RowFactory.create(image, "done", r.classes().get(c), c, n, n / (double) total, n * pixelArea, unit,
				meanProbability[c], presence == null ? null : presence[c], null, objects == null ? null : objects[c]));
		}
		return out;
	}

	/** Each class's object count for the results table: null for the classes {@code o} does not split. */
	static Long[] objectCounts(org.mvpseg.objects.ObjectTable t, List<String> classes,
		org.mvpseg.objects.ObjectOptions o)
	{
		if (t == null) return null;
		boolean[] split = o.chosen(classes);
		long[] n = t.counts();
		Long[] out = new Long[n.length];
		for (int c = 0; c < n.length; c++) out[c] = split[c] ? n[c] : null;
		return out;
	}

	/** A failed image's one row. */
	static Row failed(String image, String why) {
		return RowFactory.create(image, "failed", null, null, null, null, null, null, null, null, why, null);
	}

	static String message(Throwable e) {
		return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
	}

	/**
	 * An image's rows from the summary of a complete earlier run, when that run was made with the same {@code now}
	 * parameters (those it names); else the image fails, saying what differs.
	 */
	static List<Row> fromSummary(Path img, Path summary, java.util.Map<String, ?> now) throws java.io.IOException {
		com.google.gson.JsonObject s;
		try {
			s = com.google.gson.JsonParser.parseString(Files.readString(summary)).getAsJsonObject();
			sameParameters(s.getAsJsonObject("parameters"), now, summary);
		}
		catch (com.google.gson.JsonParseException | IllegalStateException | NullPointerException
			| ClassCastException e) {
			throw new java.io.IOException(summary + " (from an earlier run) is damaged: delete it to segment " + img
				.getFileName() + " again, or pass --overwrite");
		}
		String unit = s.getAsJsonObject("pixel_size").get("unit").getAsString();
		com.google.gson.JsonObject mean = s.has("mean_probability") ? s.getAsJsonObject("mean_probability") : null;
		com.google.gson.JsonObject gpr = s.has("gpr_presence") ? s.getAsJsonObject("gpr_presence") : null;
		com.google.gson.JsonObject objects = s.has("objects") ? s.getAsJsonObject("objects").getAsJsonObject("classes")
			: null;
		List<Row> out = new ArrayList<>();
		for (var e : s.getAsJsonArray("classes")) {
			com.google.gson.JsonObject c = e.getAsJsonObject();
			String name = c.get("name").getAsString();
			out.add(RowFactory.create(img.toString(), "skipped: complete", name, c.get("label").getAsInt(), c.get("pixels")
				.getAsLong(), c.get("fraction").getAsDouble(), c.get("area").getAsDouble(), unit, mean == null ? null
					: mean.get(name).getAsDouble(), gpr == null ? null : gpr.getAsJsonObject(name).get("max").getAsDouble(),
				null, objects == null || !objects.has(name) ? null : objects.getAsJsonObject(name).get("objects")
					.getAsLong()));
		}
		return out;
	}

	/**
	 * An earlier run's objects count as this run's only when split the same way ({@code now} null: no objects asked
	 * for, which any earlier run satisfies).
	 */
	static void sameObjects(Path summary, org.mvpseg.objects.ObjectOptions now) throws java.io.IOException {
		if (now == null) return;
		com.google.gson.JsonObject s = com.google.gson.JsonParser.parseString(Files.readString(summary))
			.getAsJsonObject();
		String stored = s.has("objects") && s.getAsJsonObject("objects").has("split") ? s.getAsJsonObject("objects").get(
			"split").getAsString() : "none";
		if (!stored.equals(now.describe())) throw new java.io.IOException(summary.getFileName() + " holds an earlier "
			+ "run's outputs with other objects (" + stored + "; this run: " + now.describe() + "): choose another --out, "
			+ "or pass --overwrite to replace them");
	}

	/** What decides an image's result (not the device, the batch or the notes): compared before a resume skips it. */
	static final List<String> RESULT_PARAMETERS = List.of("method", "classifier", "classes", "weights", "architecture",
		"precision", "prompts", "student", "templates", "prompt_denoising", "key_smoothing", "dense_mode", "window",
		"stride", "short_side", "pamr", "channels");

	/**
	 * An earlier run's outputs count as this run's only when made the same way; otherwise the image fails with what
	 * differs (never "skipped: complete" for another vocabulary or other weights).
	 */
	static void sameParameters(com.google.gson.JsonObject stored, java.util.Map<String, ?> parameters, Path summary)
		throws java.io.IOException
	{
		com.google.gson.JsonObject now = com.google.gson.JsonParser.parseString(new com.google.gson.Gson().toJson(
			parameters)).getAsJsonObject();
		for (String k : RESULT_PARAMETERS) {
			if (!parameters.containsKey(k)) continue; // the driver of a tiled job knows the request, not every value
			var a = stored.get(k);
			var b = now.get(k);
			if (java.util.Objects.equals(a, b)) continue;
			throw new java.io.IOException(summary.getFileName() + " holds an earlier run's outputs made with other "
				+ k.replace('_', ' ') + " (" + (a == null ? "none" : a) + "; this run: " + (b == null ? "none" : b)
				+ "): choose another --out, or pass --overwrite to replace them");
		}
	}

}
