package org.mvpseg.objects;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Connected components of the chosen classes, streamed: label rows come in top to bottom, each run of a class is
 * joined to the runs of the same class it touches in the row above (union-find), and the row's provisional labels go
 * to a scratch file as runs. {@link #finish} numbers the objects in raster order of their first pixel; {@link #relabel} reads the
 * scratch file back and hands out the final ids band by band. Memory: two rows of labels, one band of ids, and the
 * union-find's ~60 bytes per provisional label — never the image's area (docs/architecture.md › Objects).
 */
public final class ObjectLabeller implements AutoCloseable {

	/** Receives rows of final object ids (0 = no object), top to bottom. */
	public interface IdSink {
		void rows(int y0, int rows, int[] ids) throws IOException;
	}

	private final int width;
	private final boolean[] split;
	private final boolean eight;
	private final Path scratch;
	private final DataOutputStream runs;
	private final Components comps = new Components();
	private int[] prev, cur, prevL, curL;
	private final int[] rowRuns;
	private int y;
	private int[] number; // after finish: provisional label → object id

	/**
	 * @param split which classes (by label value) are split into objects
	 * @param scratch a file this labeller creates for the provisional labels and deletes on {@link #close}
	 */
	public ObjectLabeller(int width, boolean[] split, Connectivity connectivity, Path scratch) throws IOException {
		this.width = width;
		this.split = split.clone();
		this.eight = connectivity == Connectivity.EIGHT;
		this.scratch = scratch;
		this.runs = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(scratch), 1 << 16));
		prev = new int[width];
		cur = new int[width];
		prevL = new int[width];
		curL = new int[width];
		java.util.Arrays.fill(prevL, -1);
		rowRuns = new int[3 * width];
	}

	/**
	 * The next {@code rows} rows: {@code labels[r·width + x]} the class of each pixel, {@code own} the probability of
	 * that class (null: counted as 0).
	 */
	public void rows(int rows, int[] labels, float[] own) throws IOException {
		if (number != null) throw new IllegalStateException("rows after finish");
		for (int r = 0; r < rows; r++) row(labels, r * width, own);
	}

	/**
	 * One row, run by run: a run of one chosen class takes the label of the first pixel of its class above it (over
	 * the run, and one pixel either side with 8-connectivity), joins the others there, or starts a new label: so a
	 * convex object gets one provisional label, however its rows widen.
	 */
	private void row(int[] labels, int off, float[] own) throws IOException {
		for (int x = 0; x < width;) {
			int c = labels[off + x], s = x;
			while (x < width && labels[off + x] == c) curL[x++] = c;
			if (c < 0 || c >= split.length || !split[c]) {
				java.util.Arrays.fill(cur, s, x, 0);
				continue;
			}
			int id = 0;
			int from = eight ? Math.max(0, s - 1) : s, to = eight ? Math.min(width, x + 1) : x;
			for (int px = from; px < to; px++) {
				if (prevL[px] != c || px > from && prevL[px - 1] == c && prev[px - 1] == prev[px]) continue; // seen
				if (id == 0) id = prev[px];
				else comps.union(id, prev[px]);
			}
			if (id == 0) id = comps.add(c, s, y);
			java.util.Arrays.fill(cur, s, x, id);
			double p = 0;
			if (own != null) for (int i = s; i < x; i++) p += own[off + i];
			comps.run(id, s, x - s, y, p);
		}
		writeRuns();
		int[] t = prev;
		prev = cur;
		cur = t;
		t = prevL;
		prevL = curL;
		curL = t;
		y++;
	}

	/** The row as runs (start, length, label) of equal non-zero provisional labels. */
	private void writeRuns() throws IOException {
		int n = 0;
		for (int x = 0; x < width;) {
			int id = cur[x], s = x;
			while (x < width && cur[x] == id) x++;
			if (id == 0) continue;
			rowRuns[n++] = s;
			rowRuns[n++] = x - s;
			rowRuns[n++] = id;
		}
		runs.writeInt(n / 3);
		for (int i = 0; i < n; i++) runs.writeInt(rowRuns[i]);
	}

	/** Provisional labels handed out so far: the union-find's size (one per object, more for U- or comb-shaped ones). */
	public int provisional() {
		return comps.size();
	}

	/** Rows received so far. */
	public int height() {
		return y;
	}

	/** Resolves the objects: at least {@code minSize} pixels each, numbered in raster order of their first pixel. */
	public ObjectTable finish(int minSize) throws IOException {
		runs.close();
		number = new int[comps.size() + 1];
		return comps.resolve(minSize, split.length, number);
	}

	/** The object ids, {@code band} rows at a time, read back from the scratch file (after {@link #finish}). */
	public void relabel(int band, IdSink sink) throws IOException {
		if (number == null) throw new IllegalStateException("relabel before finish");
		int[] ids = new int[band * width];
		try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(scratch), 1 << 16))) {
			for (int y0 = 0; y0 < y; y0 += band) {
				int n = Math.min(band, y - y0);
				java.util.Arrays.fill(ids, 0);
				for (int r = 0; r < n; r++)
					for (int k = in.readInt(); k > 0; k--) {
						int s = in.readInt(), len = in.readInt(), obj = number[in.readInt()];
						java.util.Arrays.fill(ids, r * width + s, r * width + s + len, obj);
					}
				sink.rows(y0, n, ids);
			}
		}
	}

	@Override
	public void close() throws IOException {
		runs.close();
		Files.deleteIfExists(scratch);
	}
}
