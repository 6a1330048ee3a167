package org.mvpseg.student;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.mvpseg.clip.ClipModel;
import org.mvpseg.clip.DenseMode;
import org.mvpseg.clip.Nn;
import org.mvpseg.image.ClipInput;
import org.mvpseg.image.ImageSource;
import org.mvpseg.mvp.MvpLosses;
import org.mvpseg.runtime.Progress;
import org.mvpseg.runtime.Torch;
import org.mvpseg.segment.WindowGrid;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What the student trains on, computed once (docs/formulas.md §8): the teacher's labels of every image (one
 * pass of the teacher through the segmentation pipeline) and the frozen trunk's dense features of every tile
 * (the image cut into windows of the model's input size, stride = window). Features stay in memory up to a
 * budget, beyond it in a temporary file beside the output, so a folder of 500 large images fits.
 */
public final class StudentData implements AutoCloseable {

	/**
	 * An image to learn from.
	 *
	 * @param groundTruth per pixel the index of a class, or {@link MvpLosses#IGNORE} where not annotated (the
	 *          transductive setting: the teacher labels those pixels over the unseen classes only); null for an
	 *          unlabeled image (the teacher labels every pixel over all classes)
	 */
	public record Source(String name, Opener image, int[] groundTruth) {}

	/** Opens an image when its turn comes (a folder of 500 images is never open at once). */
	@FunctionalInterface
	public interface Opener {
		ImageSource open() throws IOException;
	}

	/**
	 * One tile: its teacher labels and ground truth (tile × tile pixels; IGNORE outside the image and, for the
	 * ground truth, where not annotated), and whether its free pixels may only take unseen classes.
	 */
	record Tile(int[] teacher, int[] groundTruth, boolean transductive) {}

	final int tile, cells, width;
	/** Whether tiles hold the patch tokens entering the last block (for fine-tuning it) instead of features. */
	private boolean tokens;
	final List<Tile> tiles = new ArrayList<>();
	private final List<float[]> inMemory = new ArrayList<>();
	private final long budget;
	private final Path spill;
	private RandomAccessFile file;
	private long stored;

	private StudentData(int tile, int cells, int width, long budget, Path spill) {
		this.tile = tile;
		this.cells = cells;
		this.width = width;
		this.budget = budget;
		this.spill = spill;
	}

	/**
	 * @param unseen per class whether it is unseen (the only classes a transductive pixel may take)
	 * @param spill where features go beyond {@code budget} bytes (deleted on close)
	 */
	static StudentData prepare(Teacher teacher, List<Source> sources, boolean[] unseen, long budget,
		Path spill, boolean tokens, Progress progress) throws IOException
	{
		ClipModel model = teacher.model();
		int tile = model.config().imageResolution(), cell = model.config().cellSize();
		StudentData d = new StudentData(tile, tile / cell, tokens ? model.config().visionWidth() : model.config()
			.embedDim(), budget, spill);
		d.tokens = tokens;
		for (int i = 0; i < sources.size(); i++) {
			progress.checkCancelled();
			progress.update("teacher labels and features", i, sources.size());
			Source s = sources.get(i);
			ClipInput input = teacher.input(s.image().open());
			int[] labels = teacherLabels(teacher, input, s.groundTruth(), unseen, progress);
			d.addTiles(model, teacher.denseMode(), input, labels, s.groundTruth());
		}
		progress.update("teacher labels and features", sources.size(), sources.size());
		if (d.tiles.isEmpty()) throw new IllegalArgumentException("No image to learn from.");
		return d;
	}

	/** The teacher's argmax per pixel; with ground truth, annotated pixels keep it and the rest take an unseen class. */
	static int[] teacherLabels(Teacher teacher, ClipInput input, int[] gt, boolean[] unseen, Progress progress)
		throws IOException
	{
		int w = input.width();
		int[] out = new int[w * input.height()];
		teacher.segment(input, (y0, rows, width, p, labels) -> {
			for (int i = 0; i < rows * width; i++) {
				int at = y0 * w + i;
				if (gt == null) out[at] = labels[i];
				else out[at] = gt[at] != MvpLosses.IGNORE ? gt[at] : argmax(p, i, unseen);
			}
		}, progress);
		return out;
	}

	/** The most probable class among those allowed (all when {@code allowed} is null). */
	static int argmax(float[][] p, int i, boolean[] allowed) {
		int best = -1;
		for (int c = 0; c < p.length; c++)
			if ((allowed == null || allowed[c]) && (best < 0 || p[c][i] > p[best][i])) best = c;
		return best < 0 ? MvpLosses.IGNORE : best;
	}

	private void addTiles(ClipModel model, DenseMode mode, ClipInput input, int[] labels, int[] gt) throws IOException {
		int w = input.width(), h = input.height();
		float[] pixels = new float[3 * tile * tile];
		for (WindowGrid.Window win : WindowGrid.of(w, h, tile, tile)) {
			input.window(win.x(), win.y(), win.width(), win.height(), tile, tile, pixels, 0);
			int[] t = new int[tile * tile], g = new int[tile * tile];
			java.util.Arrays.fill(t, MvpLosses.IGNORE);
			java.util.Arrays.fill(g, MvpLosses.IGNORE);
			for (int y = 0; y < win.height(); y++)
				for (int x = 0; x < win.width(); x++) {
					int src = (win.y() + y) * w + win.x() + x;
					t[y * tile + x] = labels[src];
					if (gt != null) g[y * tile + x] = gt[src];
				}
			tiles.add(new Tile(t, g, gt != null));
			store(features(model, mode, pixels));
		}
	}

	private float[] features(ClipModel model, DenseMode mode, float[] pixels) {
		boolean prev = Torch.setGradMode(false);
		try (NDManager m = Torch.newManager()) {
			NDArray x = Nn.owned(m.create(pixels, new Shape(1, 3, tile, tile)));
			NDArray f = tokens ? model.patchTokensBeforeLastBlock(x) : model.denseFeatures(x, mode);
			return f.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
		}
		finally {
			Torch.setGradMode(prev);
		}
	}

	private void store(float[] f) throws IOException {
		long bytes = 4L * f.length;
		if (stored + bytes <= budget) {
			inMemory.add(f);
			stored += bytes;
			return;
		}
		if (file == null) {
			Files.createDirectories(spill.toAbsolutePath().getParent());
			file = new RandomAccessFile(spill.toFile(), "rw");
			spill.toFile().deleteOnExit();
		}
		ByteBuffer b = ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
		b.asFloatBuffer().put(f);
		file.seek((long) (tiles.size() - 1 - inMemory.size()) * bytes);
		file.write(b.array());
	}

	/** Tile {@code i}'s features [cells, cells, E] (or tokens [cells·cells, W]). */
	float[] features(int i) throws IOException {
		if (i < inMemory.size()) return inMemory.get(i);
		int n = cells * cells * width;
		byte[] raw = new byte[4 * n];
		synchronized (this) {
			file.seek((long) (i - inMemory.size()) * raw.length);
			file.readFully(raw);
		}
		float[] f = new float[n];
		ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
		return f;
	}

	@Override
	public void close() throws IOException {
		if (file != null) {
			file.close();
			Files.deleteIfExists(spill);
		}
	}
}
