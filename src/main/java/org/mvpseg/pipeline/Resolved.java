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
	/** For JSON: the parameters block of a summary. */
	public Map<String, Object> toMap() {
		Map<String, Object> m = new LinkedHashMap<>();
		m.put("method", method);
		m.put("classifier", classifier);
		m.put("classes", classes);
		m.put("weights", weights.toAbsolutePath().toString());
		m.put("architecture", architecture);
		m.put("device", device);
		m.put("precision", precision);
		if (prompts != null) m.put("prompts", prompts.toAbsolutePath().toString());
		else if (student != null) m.put("student", student.toAbsolutePath().toString());
		else {
			m.put("templates", templates);
			m.put("prompt_denoising", denoise);
			m.put("key_smoothing", keySmoothing);
		}
		m.put("dense_mode", denseMode.label());
		m.put("window", windows.whole() ? "whole image" : windows.window());
		m.put("stride", windows.whole() ? "none" : windows.stride());
		m.put("gpr_scope", windows.whole() ? "image" : "window");
		m.put("batch", windows.batch());
		m.put("short_side", windows.shortSide());
		m.put("pamr", windows.pamr() ? org.mvpseg.segment.Pamr.NACLIP.toString() : "off");
		m.put("channels", channels == null ? "automatic" : channelText());
		m.put("notes", notes);
		return m;
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
