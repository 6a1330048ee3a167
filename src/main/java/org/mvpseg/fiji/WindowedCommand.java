package org.mvpseg.fiji;

import org.scijava.plugin.Parameter;

/**
 * What every segmenting command takes beyond the weights: dense features, sliding windows, and the
 * training-free refinements (each the same option as on the command line). The field names are the macro keys of
 * pipeline.SegmentOption's table, which turns them into a request ({@link #values}).
 */
public abstract class WindowedCommand extends ModelCommand {

	@Advanced
	@Parameter(label = "Dense features (automatic: the prompts' own, else MaskCLIP)", persist = false, choices = {
		"automatic", "maskclip", "value", "clearclip", "sclip", "naclip" })
	public String dense_mode = "automatic";

	@Advanced
	@Parameter(label = "Window (pixels; 0 = the model's size)", min = "0", persist = false)
	public int window = 0;

	@Advanced
	@Parameter(label = "Stride (pixels; 0 = half the window)", min = "0", persist = false)
	public int stride = 0;

	@Advanced
	@Parameter(label = "MVP-SEG+ student (from Adapt to Unlabeled Images; optional)", style = "open", required = false,
		persist = false)
	public String student = "";

	@Advanced
	@Parameter(label = "Protocol (windows: sliding windows; paper: resized, one pass)", choices = { "windows", "paper" }, persist = false, description = "windows: sliding "
		+ "windows at the image's own resolution (for large images); paper: short side resized to 512, the whole image "
		+ "at once, GPR's g_c once per image (MaskCLIP's and the paper's protocol)")
	public String protocol = "windows";

	@Advanced
	@Parameter(label = "Softmax temperature (zero-shot; 0 = the model's logit scale)", min = "0", persist = false)
	public double temperature = 0;

	@Advanced
	@Parameter(label = "Prompt denoising threshold (zero-shot; 0 = off, MaskCLIP 0.5)", min = "0", max = "1",
		persist = false)
	public double denoise = 0;

	@Advanced
	@Parameter(label = "Key smoothing threshold (zero-shot; 0 = off, MaskCLIP 1.0)", min = "0", max = "1",
		persist = false)
	public double key_smoothing = 0;

	@Advanced
	@Parameter(label = "PAMR refinement (NACLIP: 10 iterations, dilations 8 and 16)", persist = false)
	public boolean pamr = false;

	@Advanced
	@Parameter(label = "Without GPR (learned prompts; every g = 1, an ablation)", persist = false)
	public boolean no_gpr = false;

	@Advanced
	@Parameter(label = "Half precision (fp16: faster on a GPU, about half the memory)", persist = false,
		description = "CLIP computes in fp16, scores stay fp32; measured against fp32 in the README (Performance)")
	public boolean half_precision = false;
}
