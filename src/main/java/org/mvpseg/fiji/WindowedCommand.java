package org.mvpseg.fiji;

import org.scijava.plugin.Parameter;

/** What every segmenting command takes beyond the weights: dense features and sliding windows. */
public abstract class WindowedCommand extends ModelCommand {

	@Parameter(label = "Dense features (automatic: the prompts' own, else MaskCLIP)", persist = false, choices = {
		"automatic", "maskclip", "value", "clearclip", "sclip", "naclip" })
	public String dense_mode = "automatic";

	@Parameter(label = "Window (pixels; 0 = the model's size)", min = "0", persist = false)
	public int window = 0;

	@Parameter(label = "Stride (pixels; 0 = half the window)", min = "0", persist = false)
	public int stride = 0;
}
