package org.mvpseg.batch;

import org.mvpseg.features.FeatureFile;
import org.mvpseg.files.AtomicFiles;
import org.mvpseg.image.ClipInput;
import org.mvpseg.image.ImageSource;
import org.mvpseg.image.Rect;
import org.mvpseg.imagej.ImageFiles;
import org.mvpseg.io.SegmentationFiles;
import org.mvpseg.io.TiffSource;
import org.mvpseg.pipeline.Prepared;
import org.mvpseg.runtime.Progress;
import org.mvpseg.segment.Segmenter;
import org.mvpseg.segment.WindowGrid;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One huge image segmented as tiles (docs/spark.md › Huge images), without Spark: the plan (cores of at most
 * {@code tile × tile} pixels), one core's segmentation into a staged file, and the staged cores assembled into the
 * files {@code segment} writes. Each core is segmented with the whole image's windows that touch it and the whole
 * image's intensity scaling, so the stitched labels are those of a run over the whole image. The Spark job
 * ({@code org.mvpseg.spark}) hands the cores to its executors.
 */
public final class TiledImage {

	private TiledImage() {}

	/**
	 * An image and its cores (row-major); {@code key} names its staged tiles, so that a re-run with the same options
	 * and the same file reuses the tiles a lost job finished.
	 */
	public record Plan(String image, int width, int height, int channels, ImageSource.Kind kind,
		ImageSource.Calibration calibration, int tile, List<Rect> cores, String key) implements Serializable
	{
		public String baseName() {
			return ImageFiles.baseName(Path.of(image));
		}

		public long pixels() {
			return (long) width * height;
		}
	}

	/**
	 * The plan for {@code img}, or null when it is not a TIFF read by rectangles or fits in one tile (it is then
	 * segmented whole, like any image); {@code options}: what decides the segmentation, as text (part of the key).
	 */
	public static Plan plan(Path img, int tile, String options) throws IOException {
		if (!ImageFiles.isTiff(img)) return null;
		try (TiffSource t = TiffSource.open(img)) {
			if (t == null || t.width() <= tile && t.height() <= tile) return null;
			List<Rect> cores = new ArrayList<>();
			for (int y = 0; y < t.height(); y += tile)
				for (int x = 0; x < t.width(); x += tile) cores.add(new Rect(x, y, Math.min(tile, t.width() - x), Math.min(
					tile, t.height() - y)));
			String id = options + "\n" + img.toAbsolutePath() + "\n" + Files.size(img) + "\n" + Files
				.getLastModifiedTime(img).toMillis() + "\n" + tile;
			return new Plan(img.toAbsolutePath().toString(), t.width(), t.height(), t.channels(), t.kind(), t
				.calibration(), tile, cores,
				key(id));
		}
	}

	private static String key(String id) {
		try {
			byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8));
			return java.util.HexFormat.of().formatHex(d, 0, 8);
		}
		catch (java.security.NoSuchAlgorithmException e) {
			throw new IllegalStateException(e); // every Java has SHA-256
		}
	}

	/** Where an image's staged tiles lie: a hidden folder in the output folder, removed once assembled. */
	public static Path staging(Path outDir, Plan p) {
		return outDir.resolve(".mvpseg-tiles").resolve(p.baseName() + "-" + p.key());
	}

	/**
	 * What one core's segmentation gives the assembly (also stored beside its staged labels, for a re-run): the core's
	 * result, the provenance and parameters the image's summary shows, the windows taken from and put into the core's
	 * feature file ({@code --features}); or, for a core that failed, why ({@code error}; the rest empty).
	 * {@code reused}: read back from a stage an earlier attempt completed.
	 */
	public record TileResult(int index, String error, Segmenter.Result result, String provenance, String parameters,
		int featuresReused, int featuresComputed, boolean reused) implements Serializable
	{
		public static TileResult failed(int index, String error) {
			return new TileResult(index, error, null, null, null, 0, 0, false);
		}

		private TileResult asReused() {
			return new TileResult(index, error, result, provenance, parameters, featuresReused, featuresComputed, true);
		}
	}

	private static final com.google.gson.Gson GSON = new com.google.gson.Gson();

	/**
	 * Segments core {@code index} of {@code plan} into {@code dir} (labels, then the result as the completion
	 * mark, each written under a temporary name and moved into place), or returns the result a previous attempt
	 * stored there: a retried or re-run tile never leaves partial or mixed files.
	 */
	public static TileResult segment(Prepared p, Plan plan, int index, ClipInput.Scaling scaling, Path dir,
		FileSegmentation.Target target) throws IOException
	{
		Path labels = dir.resolve("tile-" + index + ".labels"), json = dir.resolve("tile-" + index + ".json");
		if (Files.exists(json) && Files.exists(labels)) return GSON.fromJson(Files.readString(json), TileResult.class)
			.asReused();
		Rect core = plan.cores().get(index);
		boolean wide = p.classNames().size() > 256, objects = target.objects() != null;
		Path tmp = AtomicFiles.tempSibling(labels), ownTmp = objects ? AtomicFiles.tempSibling(own(dir, index)) : null;
		TileResult t;
		try (TiffSource src = TiffSource.open(Path.of(plan.image())); FeatureFile store = target.features(plan
			.baseName() + ".tile-" + index, p); DataOutputStream o = stream(tmp); DataOutputStream po = objects ? stream(
				ownTmp) : null)
		{
			if (src == null || src.width() != plan.width() || src.height() != plan.height()) throw new IOException(plan
				.image() + " changed since the job started");
			ClipInput input = p.input(src, scaling);
			Prepared.ImageResult r = p.segment(input, (y0, rows, w, pr, l) -> {
				for (int i = 0; i < rows * w; i++) if (wide) o.writeShort(l[i]); else o.writeByte(l[i]);
				if (po != null) for (float f : SegmentationFiles.ownProbability(pr, l, rows * w)) po.writeFloat(f);
			}, Progress.NONE, core, store);
			if (store != null) store.commit();
			t = new TileResult(index, null, r.result(), p.provenance(Path.of(plan.image()).getFileName().toString(),
				input), GSON.toJson(p.resolved().toMap()), store == null ? 0 : store.stats().reused(), store == null ? 0
					: store.stats().computed(), false);
		}
		catch (IOException | RuntimeException e) {
			Files.deleteIfExists(tmp);
			if (ownTmp != null) Files.deleteIfExists(ownTmp);
			throw e;
		}
		if (objects) Files.move(ownTmp, own(dir, index), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption
			.REPLACE_EXISTING);
		Files.move(tmp, labels, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
		Path jtmp = AtomicFiles.tempSibling(json);
		Files.writeString(jtmp, GSON.toJson(t));
		Files.move(jtmp, json, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
		return t;
	}

	/**
	 * A staged core's probability of each pixel's class (float32, row-major), kept with {@code --objects} for the
	 * objects' mean probability: the labels alone would not give it.
	 */
	private static Path own(Path dir, int index) {
		return dir.resolve("tile-" + index + ".own");
	}

	private static DataOutputStream stream(Path file) throws IOException {
		return new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 1 << 16));
	}

	private static DataInputStream input(Path file) throws IOException {
		return new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16));
	}

	/** The whole image's figures, merged over its tiles, for the summary and the results table. */
	public record Assembled(Segmenter.Result result, double pixelArea, String unit,
		org.mvpseg.objects.ObjectTable objects) {}

	/**
	 * Writes the image's outputs from its staged tiles (labels row by row, never whole in memory; the summary),
	 * exactly as {@code segment} names and completes them, then removes the staged tiles.
	 */
	public static Assembled assemble(Plan plan, List<TileResult> tiles, FileSegmentation.Target target)
		throws IOException
	{
		tiles = new ArrayList<>(tiles);
		tiles.sort(java.util.Comparator.comparingInt(TileResult::index));
		TileResult first = tiles.get(0);
		List<String> classes = first.result().classes();
		ImageSource.Calibration cal = plan.calibration();
		Path dir = staging(target.dir(), plan);
		Segmenter.Result r = Segmenter.Result.merge(tiles.stream().map(TileResult::result).toList(), plan.width(), plan
			.height(), WindowGrid.of(plan.width(), plan.height(), first.result().window(), first.result().stride()).size());
		org.mvpseg.objects.ObjectTable objects;
		try (SegmentationFiles files = new SegmentationFiles(target.dir(), plan.baseName(), target.outputs(), classes,
			plan.width(), plan.height(), cal, target.overwrite(), first.provenance()).objects(target.objects()))
		{
			copyRows(plan, dir, classes.size() > 256, target.objects() != null, files);
			files.finish();
			files.complete(r, extra(plan, tiles, r));
			objects = files.objectTable();
		}
		AtomicFiles.deleteTree(dir);
		try (var left = Files.list(dir.getParent())) {
			if (left.findAny().isEmpty()) Files.deleteIfExists(dir.getParent());
		}
		return new Assembled(r, cal.pixelWidth() * cal.pixelHeight(), cal.unit(), objects);
	}

	/** The summary's fields beyond the class table, as {@code segment} writes them, and how the image was tiled. */
	private static Map<String, Object> extra(Plan plan, List<TileResult> tiles, Segmenter.Result r) {
		Map<String, Object> m = Prepared.summary(plan.image(), com.google.gson.JsonParser.parseString(tiles.get(0)
			.parameters()), r.classes(), r.presence() == null ? null : r.presence().max(), null);
		m.put("mean_probability", r.means().byName(r.classes()));
		m.put("tiles", Map.of("size", plan.tile(), "count", plan.cores().size(), "seconds", "summed over tiles",
			"gpr_presence", "max over windows; the mean is not kept for tiled images (windows overlap tiles)"));
		if (tiles.stream().anyMatch(t -> t.featuresReused() + t.featuresComputed() > 0)) m.put("features", Map.of(
			"windows_reused", tiles.stream().mapToInt(TileResult::featuresReused).sum(), "windows_computed", tiles.stream()
				.mapToInt(TileResult::featuresComputed).sum(), "files", "one per tile: " + plan.baseName()
					+ ".tile-N.features"));
		return m;
	}

	/**
	 * The staged cores, row by row across each band of tiles, into the label image (and, with {@code own}, each pixel's
	 * probability of its class into the objects).
	 */
	private static void copyRows(Plan plan, Path dir, boolean wide, boolean own, SegmentationFiles files)
		throws IOException
	{
		int w = plan.width(), band = 16;
		int[] rows = new int[band * w];
		float[] p = own ? new float[band * w] : null;
		for (int first = 0; first < plan.cores().size();) {
			int y0 = plan.cores().get(first).y(), last = first;
			while (last < plan.cores().size() && plan.cores().get(last).y() == y0) last++;
			List<DataInputStream> in = new ArrayList<>(), pin = new ArrayList<>();
			try {
				for (int i = first; i < last; i++) {
					in.add(input(dir.resolve("tile-" + i + ".labels")));
					if (own) pin.add(input(own(dir, i)));
				}
				int h = plan.cores().get(first).height();
				for (int y = 0; y < h; y += band) {
					int n = Math.min(band, h - y);
					for (int r = 0; r < n; r++)
						for (int i = first; i < last; i++) {
							Rect c = plan.cores().get(i);
							DataInputStream s = in.get(i - first);
							for (int x = 0; x < c.width(); x++) {
								rows[r * w + c.x() + x] = wide ? s.readUnsignedShort() : s.readUnsignedByte();
								if (own) p[r * w + c.x() + x] = pin.get(i - first).readFloat();
							}
						}
					files.labelRows(y0 + y, n, rows, p);
				}
			}
			finally {
				for (DataInputStream s : in) s.close();
				for (DataInputStream s : pin) s.close();
			}
			first = last;
		}
	}
}
