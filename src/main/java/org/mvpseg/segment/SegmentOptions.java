package org.mvpseg.segment;

import org.mvpseg.runtime.RequestException;

import java.util.ArrayList;
import java.util.List;

/**
 * Sliding-window settings (docs/formulas.md §6). Zero means "automatic": window = the model's input
 * size, stride = half the window, batch = as many windows per forward pass as {@code memoryBudget}
 * allows (at most 8 on a CPU; on a GPU what 70 % of its free memory holds, at most 256). {@link #resolve} turns them into the values a run uses
 * and says, in a note, every value it chose or changed; nothing is changed silently.
 *
 * @param window square window side in pixels
 * @param stride step between windows in pixels
 * @param batch windows per forward pass (1 = no batching)
 * @param shortSide resize the whole image first so its short side is this many pixels (0 = no resize)
 * @param memoryBudget bytes the forward pass of one batch may use
 * @param pamr refine each window's class scores with NACLIP's PAMR ({@link Pamr#NACLIP}) before averaging
 * @param whole one window over the whole image (MaskCLIP's test mode "whole", the paper's protocol); with a
 *          short side the long side is also kept at most 4× it, as mmseg's keep-ratio resize to (2048, 512)
 */
public record SegmentOptions(int window, int stride, int batch, int shortSide, long memoryBudget, boolean pamr,
	boolean whole) implements java.io.Serializable
{
	/** The paper's inference protocol (MaskCLIP's): short side 512 (long side at most 2048), the whole image at once. */
	public static final int PAPER_SHORT_SIDE = 512;

	public static final long DEFAULT_BUDGET = 1L << 30;
	/**
	 * Automatic batches: at most 8 windows on a CPU (measured on 2 CPU cores, ViT-B/16: 4–8 windows per pass are
	 * 1.2–1.3× faster than one, 54 are 0.8×); on a GPU as many as 70 % of its free memory holds, at most 256 (64 when
	 * the free memory cannot be read).
	 */
	public static final int CPU_BATCH_CAP = 8, GPU_BATCH_CAP = 256, GPU_BATCH_CAP_UNKNOWN = 64;

	/** The share of a GPU's free memory automatic batches may take (the rest: the model, libtorch's cache). */
	public static final double GPU_SHARE = 0.7;

	public static SegmentOptions defaults() {
		return new SegmentOptions(0, 0, 0, 0, DEFAULT_BUDGET);
	}

	public SegmentOptions(int window, int stride, int batch, int shortSide, long memoryBudget) {
		this(window, stride, batch, shortSide, memoryBudget, false, false);
	}

	public SegmentOptions {
		if (window < 0 || stride < 0 || batch < 0 || shortSide < 0) throw new RequestException(
			"window, stride, batch and short side must not be negative (0 means automatic)");
		if (window > 0 && stride > window) throw strideTooLarge(stride, window, "");
		if (whole && (window > 0 || stride > 0 || batch > 1)) throw new RequestException("The whole-image protocol "
			+ "segments the image in one window: leave window, stride and batch out.");
	}

	private static RequestException strideTooLarge(int stride, int window, String how) {
		return new RequestException("The stride (" + stride + ") is larger than the window (" + window + how
			+ "): pixels between windows would get no prediction. Give a stride of at most " + window + ".");
	}

	public SegmentOptions withWindow(int w, int s) {
		return new SegmentOptions(w, s, batch, shortSide, memoryBudget, pamr, whole);
	}

	public SegmentOptions withBatch(int b) {
		return new SegmentOptions(window, stride, b, shortSide, memoryBudget, pamr, whole);
	}

	public SegmentOptions withShortSide(int s) {
		return new SegmentOptions(window, stride, batch, s, memoryBudget, pamr, whole);
	}

	public SegmentOptions withPamr(boolean on) {
		return new SegmentOptions(window, stride, batch, shortSide, memoryBudget, on, whole);
	}

	/** The paper's protocol: short side 512 (long side at most 2048) and one window over the whole image. */
	public SegmentOptions paperProtocol() {
		if (window > 0 || stride > 0 || batch > 0 || shortSide > 0) throw new RequestException("The paper's protocol "
			+ "sets the short side (" + PAPER_SHORT_SIDE + ") and one window over the whole image: leave window, stride, "
			+ "batch and short side out.");
		return new SegmentOptions(0, 0, 0, PAPER_SHORT_SIDE, memoryBudget, pamr, true);
	}

	/** The values used, and one note per value that was chosen automatically or adjusted. */
	public record Resolution(SegmentOptions options, List<String> notes) {}

	/**
	 * @param cell pixels per feature cell: windows are whole cells
	 * @param nativeSize the model's input size, the automatic window
	 * @param bytesPerPixel estimated forward-pass memory per input pixel, for the automatic batch
	 * @param gpu whether the forward passes run on a GPU (larger automatic batches)
	 * @param gpuFreeBytes the GPU's free memory (-1 when unknown), which sizes automatic batches there
	 */
	public Resolution resolve(int cell, int nativeSize, long bytesPerPixel, boolean gpu, long gpuFreeBytes) {
		List<String> notes = new ArrayList<>();
		if (whole) {
			notes.add("window: the whole image" + (shortSide > 0 ? " after resizing its short side to " + shortSide
				+ " px (long side at most " + 4 * shortSide + ")" : "") + ", one forward pass, so GPR's g_c is computed once "
				+ "per image");
			return new Resolution(new SegmentOptions(0, 0, 1, shortSide, memoryBudget, pamr, true), List.copyOf(notes));
		}
		int w = window == 0 ? nativeSize : window;
		if (w < cell) throw new RequestException("The window (" + w + ") is smaller than one " + cell
			+ "-pixel feature cell of this model; give at least " + cell + ".");
		if (window == 0) notes.add("window " + w + " (automatic: the model's input size)");
		else if (w % cell != 0) {
			notes.add("window " + w + " → " + (w - w % cell) + " (a multiple of the " + cell + "-pixel patch)");
			w -= w % cell;
		}
		if (stride > w) throw strideTooLarge(stride, w, window == 0 ? ", the model's input size" : window != w
			? ", rounded to whole patches" : "");
		int s = stride == 0 ? Math.max(1, w / 2) : stride;
		if (stride == 0) notes.add("stride " + s + " (automatic: half the window)");
		int b = batch > 0 ? batch : autoBatch(bytesPerPixel * w * w, gpu, gpuFreeBytes);
		if (batch == 0) notes.add("batch " + b + " (automatic: " + autoBatchReason(bytesPerPixel * w * w, gpu,
			gpuFreeBytes) + ")");
		return new Resolution(new SegmentOptions(w, s, b, shortSide, memoryBudget, pamr, false), List.copyOf(notes));
	}

	/** Windows per forward pass: what the budget (the CPU's, or a share of the GPU's free memory) holds, capped. */
	int autoBatch(long bytesPerWindow, boolean gpu, long gpuFreeBytes) {
		boolean known = gpu && gpuFreeBytes > 0;
		long budget = known ? (long) (GPU_SHARE * gpuFreeBytes) : memoryBudget;
		int cap = !gpu ? CPU_BATCH_CAP : known ? GPU_BATCH_CAP : GPU_BATCH_CAP_UNKNOWN;
		return (int) Math.max(1, Math.min(cap, budget / Math.max(1, bytesPerWindow)));
	}

	private String autoBatchReason(long bytesPerWindow, boolean gpu, long gpuFreeBytes) {
		if (!gpu) return "windows per forward pass, at most " + CPU_BATCH_CAP + " on a CPU";
		if (gpuFreeBytes <= 0) return "windows per forward pass, at most " + GPU_BATCH_CAP_UNKNOWN + " on a GPU whose "
			+ "free memory could not be read";
		return String.format(java.util.Locale.ROOT, "%.0f %% of the GPU's %.1f GB free at about %.0f MB per window, at "
			+ "most %d", 100 * GPU_SHARE, gpuFreeBytes / 1e9, bytesPerWindow / 1e6, GPU_BATCH_CAP);
	}
}
