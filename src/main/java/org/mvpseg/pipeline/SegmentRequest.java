package org.mvpseg.pipeline;

import org.mvpseg.clip.DenseMode;
import org.mvpseg.runtime.RequestException;
import org.mvpseg.segment.SegmentOptions;
import org.mvpseg.segment.Templates;

import java.nio.file.Path;
import java.util.List;

/**
 * Everything a segmentation can be asked for, from any front end (command line, Fiji, ImageJ 1.x,
 * evaluation). Zero, null or blank means automatic; {@link Pipeline#prepare} resolves every
 * automatic value once and reports it in {@link Resolved}. The compact constructor refuses a bad
 * request before any model loads; {@link Builder} parses the text forms all front ends share.
 *
 * @param prompts a prompt set from training (MVP-SEG), or null for zero-shot
 * @param templates zero-shot sentence templates, or null for MaskCLIP's 85
 * @param denseMode dense features, or null for automatic: the prompt set's own mode, else MaskCLIP's
 * @param denoise MaskCLIP prompt denoising threshold in [0, 1] (0 = off; zero-shot only)
 * @param keySmoothing MaskCLIP key smoothing threshold in [0, 1] (0 = off; zero-shot only)
 * @param windows window, stride, batch, short side (0 = automatic); PAMR on the windows' scores
 * @param channels source channels (0-based) for R, G, B, or null for automatic
 * @param temperature zero-shot only: the final softmax's scale, or 0 for the model's logit scale
 * @param gpr learned prompts only: apply Global Prompt Refining's g_c (false: g_c = 1, the paper's
 *          "without GPR" ablation)
 * @param dropAbsent learned prompts with GPR only: in each window, classes GPR judges absent (g_c &lt; ½) are left out
 *          of the labels and probabilities (docs/formulas.md §6)
 * @param student an MVP-SEG+ student from {@code transfer}, or null
 * @param device where to compute: auto (the first GPU the CUDA engine sees, else the CPU), cpu, gpu or gpu:N
 * @param half compute CLIP in half precision (fp16; its outputs are handed on in fp32)
 */
public record SegmentRequest(ModelChoice model, Path prompts, List<String> classes, List<String> templates,
	DenseMode denseMode, double denoise, double keySmoothing, SegmentOptions windows, int[] channels, double temperature,
	boolean gpr, boolean dropAbsent, Path student, org.mvpseg.runtime.DeviceChoice device, boolean half)
	implements java.io.Serializable
{
	/**
	 * Dense features where nothing decides them (zero-shot, a training not told): MaskCLIP's, as README documents.
	 * A prompt set or student records its own, used when segmenting with it.
	 */
	public static final DenseMode DEFAULT_DENSE_MODE = DenseMode.MASKCLIP;

	public SegmentRequest {
		if (model == null) model = ModelChoice.byName(null);
		if (device == null) device = org.mvpseg.runtime.DeviceChoice.AUTO;
		if (classes == null || classes.size() < 2) throw new RequestException("Give at least two class names.");
		classes = List.copyOf(classes);
		if (templates != null) {
			for (String t : templates) if (!t.contains("{}")) throw new RequestException("A template must contain {} "
				+ "where the class name goes, e.g. \"a microscopy image of {}.\"; got \"" + t + "\".");
			templates = List.copyOf(templates);
		}
		unitInterval("denoise", denoise);
		unitInterval("key smoothing", keySmoothing);
		if (prompts != null && (denoise > 0 || keySmoothing > 0 || templates != null)) throw new RequestException(
			"Templates, prompt denoising and key smoothing belong to zero-shot segmentation; learned prompts replace "
				+ "them. Leave them out when giving a prompt set.");
		if (!(temperature >= 0) || Double.isInfinite(temperature)) throw new RequestException("The temperature must be "
			+ "positive (0 means the model's own logit scale); got " + temperature + ".");
		if (temperature > 1e4) throw new RequestException("The temperature must be at most 10000 (CLIP's own is 100; "
			+ "larger ones overflow the scores); got " + temperature + ".");
		if (temperature > 0 && prompts != null) throw new RequestException("A temperature belongs to zero-shot "
			+ "segmentation; learned prompts use their learned τ. Leave it out when giving a prompt set.");
		if (student != null && (prompts != null || templates != null || denoise > 0 || keySmoothing > 0 || temperature
			> 0)) throw new RequestException("A student carries its own classifier: leave prompts, templates, "
				+ "temperature, prompt denoising and key smoothing out when giving one.");
		if (!gpr && prompts == null && student == null) throw new RequestException("Turning Global Prompt Refining off "
			+ "needs learned prompts or a student of them (zero-shot segmentation has no GPR).");
		if (dropAbsent && ((prompts == null && student == null) || !gpr)) throw new RequestException("Leaving out classes "
			+ "judged absent uses Global Prompt Refining's g_c: it needs learned prompts or a student of them, with GPR on "
			+ "(not zero-shot, or GPR off).");
		if (windows == null) windows = SegmentOptions.defaults();
		if (channels != null) {
			if (channels.length != 1 && channels.length != 3) throw new RequestException("Choose one channel (shown as "
				+ "grey) or three (R, G, B); got " + channels.length + ".");
			for (int c : channels) if (c < 0) throw new RequestException("Channels are counted from 1.");
			channels = channels.clone();
		}
	}

	/** Sent to Spark's executors: Paths as text ({@link org.mvpseg.files.SerialRecord}). */
	private Object writeReplace() {
		return new org.mvpseg.files.SerialRecord(this);
	}

	private static void unitInterval(String what, double v) {
		if (!(v >= 0 && v <= 1)) throw new RequestException("The " + what + " threshold must be between 0 (off) and 1; "
			+ "got " + v + ".");
	}

	/** The same request over other classes (evaluation: seen + unseen, known once the dataset is read). */
	public SegmentRequest withClasses(List<String> names) {
		return new SegmentRequest(model, prompts, names, templates, denseMode, denoise, keySmoothing, windows, channels,
			temperature, gpr, dropAbsent, student, device, half);
	}

	public boolean zeroShot() {
		return prompts == null && student == null;
	}

	public static Builder builder() {
		return new Builder();
	}

	/** The text forms every front end shares: the same words give the same request. */
	public static final class Builder {
		private ModelChoice model = ModelChoice.byName(null);
		private Path prompts, student;
		private List<String> classes, templates;
		private DenseMode denseMode;
		private double denoise, keySmoothing;
		private SegmentOptions windows = SegmentOptions.defaults();
		private int[] channels;
		private boolean gpr = true, dropAbsent, pamr, paper;
		private double temperature;
		private org.mvpseg.runtime.DeviceChoice device = org.mvpseg.runtime.DeviceChoice.AUTO;
		private boolean half;

		/** Half precision (fp16) for CLIP's forward passes. */
		public Builder half(boolean on) {
			half = on;
			return this;
		}

		/** auto, cpu, gpu or gpu:N (blank: auto); refused here when it is none of these. */
		public Builder device(String text) {
			device = org.mvpseg.runtime.DeviceChoice.parse(text);
			return this;
		}

		public Builder model(ModelChoice m) {
			model = m;
			return this;
		}

		/** A weight file (wins when not blank) or a registry name. */
		public Builder model(String weights, String name) {
			model = model.with(weights, name);
			return this;
		}

		/** An MVP-SEG+ student file, or blank for none. */
		public Builder student(String file) {
			student = path(file);
			return this;
		}

		/** A prompt file, or blank for zero-shot. */
		public Builder prompts(String file) {
			prompts = path(file);
			return this;
		}

		/** "a, b, c": trimmed, non-empty, no duplicates, at least two. */
		public Builder classes(String text) {
			classes = Templates.parseClassNames(text);
			return this;
		}

		/** The same rules for names given as a list. */
		public Builder classes(List<String> names) {
			classes = Templates.checkClassNames(names);
			return this;
		}

		/** One template with {}, or blank for MaskCLIP's 85. */
		public Builder template(String text) {
			templates = blank(text) ? null : List.of(text);
			return this;
		}

		/** maskclip, value, clearclip, sclip or naclip; blank or "automatic": the prompt set's, else maskclip. */
		public Builder denseMode(String name) {
			denseMode = denseModeOf(name);
			return this;
		}

		/** A dense mode's text form; null (blank or "automatic") leaves it to the prompt set, student or default. */
		static DenseMode denseModeOf(String name) {
			return blank(name) || name.strip().equals("automatic") ? null : DenseMode.parse(name);
		}

		public Builder denoise(double t) {
			denoise = t;
			return this;
		}

		public Builder keySmoothing(double t) {
			keySmoothing = t;
			return this;
		}

		public Builder windows(int window, int stride, int batch, int shortSide) {
			windows = new SegmentOptions(window, stride, batch, shortSide, SegmentOptions.DEFAULT_BUDGET);
			return this;
		}

		/** The window side in pixels (0 = automatic); the stride, batch and short side as set. */
		public Builder window(int w) {
			windows = windows.withWindow(w, windows.stride());
			return this;
		}

		/** The step between windows in pixels (0 = half the window). */
		public Builder stride(int s) {
			windows = windows.withWindow(windows.window(), s);
			return this;
		}

		/** Windows per forward pass (0 = what the memory holds). */
		public Builder batch(int b) {
			windows = windows.withBatch(b);
			return this;
		}

		/** Resize the image's short side to this many pixels first (0 = no resize). */
		public Builder shortSide(int s) {
			windows = windows.withShortSide(s);
			return this;
		}

		/** "2" or "2,1,3", counted from 1; blank = automatic. */
		public Builder channels(String text) {
			channels = blank(text) ? null : Channels.parse(text);
			return this;
		}

		/** Zero-shot: the final softmax's scale; 0 = the model's logit scale. */
		public Builder temperature(double t) {
			temperature = t;
			return this;
		}

		/** Learned prompts: with (default) or without Global Prompt Refining at inference. */
		public Builder gpr(boolean on) {
			gpr = on;
			return this;
		}

		/** Learned prompts: leave out of each window the classes GPR judges absent there (g_c &lt; ½). */
		public Builder dropAbsent(boolean on) {
			dropAbsent = on;
			return this;
		}

		/**
		 * "paper": the paper's inference protocol (MaskCLIP's): short side 512, long side at most 2048, the whole
		 * image in one window so that GPR's g_c is computed once per image; "windows" or blank: sliding windows.
		 */
		public Builder protocol(String name) {
			String n = name == null ? "" : name.strip().toLowerCase(java.util.Locale.ROOT);
			if (!n.isEmpty() && !n.equals("windows") && !n.equals("paper")) throw new RequestException("Unknown protocol '"
				+ name + "': choose windows (sliding windows at the image's own resolution) or paper (short side 512, "
					+ "the whole image at once).");
			paper = n.equals("paper");
			return this;
		}

		/** NACLIP's pixel-adaptive mask refinement of every window's class scores. */
		public Builder pamr(boolean on) {
			pamr = on;
			return this;
		}

		public SegmentRequest build() {
			SegmentOptions w = paper ? windows.paperProtocol() : windows;
			return new SegmentRequest(model, prompts, classes, templates, denseMode, denoise, keySmoothing, w.withPamr(
				pamr), channels, temperature, gpr, dropAbsent, student, device, half);
		}

		/** A path as typed; blank: none. */
		static Path path(String text) {
			return blank(text) ? null : Path.of(text.strip());
		}

		static boolean blank(String s) {
			return s == null || s.isBlank();
		}
	}
}
