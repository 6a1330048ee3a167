package org.mvpseg.pipeline;

import org.mvpseg.clip.DenseMode;
import org.mvpseg.segment.SegmentOptions;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The values a run actually uses, every automatic one resolved: what provenance prints everywhere
 * (summary JSON, image Info, Log), never the typed ones. {@code notes} says, in words, each value that
 * was chosen automatically or adjusted ("window 100 → 96 (a multiple of the 16-pixel patch)").
 */
public record Resolved(Path weights, String architecture, String device, String precision, String method,
	String classifier,
	List<String> classes, Path prompts, String templates, DenseMode denseMode, double denoise, double keySmoothing,
	SegmentOptions windows, int[] channels, List<String> notes, Path student)
{
	/** The options in the order summaries listed them before the option table; {@link #lines} words them its own way. */
	private static final List<SegmentOption> EARLIER = List.of(SegmentOption.HALF, SegmentOption.PROMPTS,
		SegmentOption.STUDENT, SegmentOption.TEMPLATE, SegmentOption.DENOISE, SegmentOption.KEY_SMOOTHING,
		SegmentOption.DENSE_MODE, SegmentOption.WINDOW, SegmentOption.STRIDE, SegmentOption.PROTOCOL,
		SegmentOption.BATCH, SegmentOption.SHORT_SIDE, SegmentOption.PAMR, SegmentOption.CHANNELS);

	/**
	 * Those, then the table's other rows in table order: a new option reaches every provenance record (as "key:
	 * value") through its row and its case in {@link #used}, and earlier summaries keep their order.
	 */
	private static final List<SegmentOption> ORDER = java.util.stream.Stream.concat(EARLIER.stream(), java.util.Arrays
		.stream(SegmentOption.values()).filter(o -> !EARLIER.contains(o))).toList();

	/** For JSON: the parameters block of a summary. */
	public Map<String, Object> toMap() {
		Map<String, Object> m = new LinkedHashMap<>();
		m.put("method", method);
		m.put("classifier", classifier);
		m.put("classes", classes);
		m.put("weights", weights.toAbsolutePath().toString());
		m.put("architecture", architecture);
		m.put("device", device);
		// putIfAbsent: options the classifier's description says (key "classifier") are there already
		for (SegmentOption o : ORDER) if (applies(o)) m.putIfAbsent(o.provenance(), used(o));
		m.put("notes", notes);
		return m;
	}

	/** Whether this run takes the option: every method takes the common ones, each method its own. */
	public boolean applies(SegmentOption o) {
		return switch (o.group()) {
			case COMMON -> true;
			case LEARNED -> prompts != null;
			case STUDENT -> student != null;
			case ZERO_SHOT -> prompts == null && student == null;
		};
	}

	/**
	 * The value used for an option, as a summary's parameters say it under {@link SegmentOption#provenance}. The
	 * switch names every row: a new option does not compile until it says how provenance reports it.
	 */
	public Object used(SegmentOption o) {
		return switch (o) {
			case PROMPTS -> prompts == null ? null : prompts.toAbsolutePath().toString();
			case STUDENT -> student == null ? null : student.toAbsolutePath().toString();
			case NO_GPR, DROP_ABSENT, TEMPERATURE -> classifier; // its description says them
			case DENSE_MODE -> denseMode.label();
			case WINDOW -> windows.whole() ? "whole image" : windows.window();
			case STRIDE -> windows.whole() ? "none" : windows.stride();
			case PROTOCOL -> windows.whole() ? "image" : "window";
			case BATCH -> windows.batch();
			case SHORT_SIDE -> windows.shortSide();
			case PAMR -> windows.pamr() ? org.mvpseg.segment.Pamr.NACLIP.toString() : "off";
			case HALF -> precision;
			case TEMPLATE -> templates;
			case DENOISE -> denoise;
			case KEY_SMOOTHING -> keySmoothing;
			case CHANNELS -> channels == null ? "automatic" : channelText();
		};
	}

	/** For image Info and the Log: one "key: value" line per field. */
	public List<String> lines() {
		List<String> l = new ArrayList<>();
		l.add("method: " + classifier);
		l.add("classes: " + String.join(", ", classes));
		l.add("weights: " + weights.toAbsolutePath() + " (" + architecture + ")");
		l.add("device: " + device);
		l.add("precision: " + precision);
		if (prompts != null) l.add("prompts: " + prompts.toAbsolutePath());
		else if (student != null) l.add("student: " + student.toAbsolutePath());
		else {
			l.add("templates: " + templates);
			l.add("prompt denoising: " + off(denoise));
			l.add("key smoothing: " + off(keySmoothing));
		}
		l.add("dense features: " + denseMode.label());
		l.add((windows.whole() ? "window: the whole image (one forward pass; GPR's g_c per image)" : "window: "
			+ windows.window() + " px, stride " + windows.stride() + " px, batch " + windows.batch() + " (GPR's g_c per "
				+ "window)") + (windows.shortSide() > 0 ? ", short side resized to " + windows.shortSide() + " px"
					: ", native resolution"));
		l.add("refinement: " + (windows.pamr() ? org.mvpseg.segment.Pamr.NACLIP : "none"));
		l.add("channels: " + (channels == null ? "automatic" : channelText()));
		for (SegmentOption o : ORDER) if (!EARLIER.contains(o) && applies(o) && !o.provenance().equals("classifier"))
			l.add(o.provenance().replace('_', ' ') + ": " + used(o));
		for (String n : notes) l.add("note: " + n);
		return l;
	}

	private static String off(double v) {
		return v > 0 ? String.valueOf(v) : "off";
	}

	private String channelText() {
		StringBuilder sb = new StringBuilder();
		for (int c : channels) sb.append(sb.length() == 0 ? "" : ",").append(c + 1);
		return sb.toString();
	}
}
