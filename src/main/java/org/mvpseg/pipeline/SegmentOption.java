package org.mvpseg.pipeline;

import org.mvpseg.runtime.RequestException;

import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * The segmentation options, one row each: the command line's flag, Fiji's macro key (a field of the SciJava
 * commands; null where Fiji does not offer it), the key provenance reports the value used under ({@link Resolved}),
 * the value's form, what leaving it out means (README's option table), and how its text form reaches
 * {@link SegmentRequest.Builder}. Every front end parses, lists and documents these
 * options from this table, so a new option is one row here plus its use in the pipeline.
 * <p>
 * The rows are in the order usage lines show them. The model, weights and device are not here: training takes them
 * too, without a segmentation request (cli.ModelArgs, fiji.ModelCommand).
 */
public enum SegmentOption {
	// group, flag, macro key, provenance key, form, metavar, what leaving it out means (README), how it is applied
	PROMPTS(Group.LEARNED, "prompts", "prompts", "prompts", Form.FILE, "FILE", null, SegmentRequest.Builder::prompts),
	NO_GPR(Group.LEARNED, "no-gpr", "no_gpr", "classifier", Form.FLAG, null, "GPR on (learned prompts)",
		(b, v) -> b.gpr(!on(v))),
	DROP_ABSENT(Group.LEARNED, "drop-absent", null, "classifier", Form.FLAG, null, "off: every class named can be a "
		+ "label", (b, v) -> b.dropAbsent(on(v))),
	STUDENT(Group.STUDENT, "student", "student", "student", Form.FILE, "FILE", null, SegmentRequest.Builder::student),
	DENSE_MODE(Group.COMMON, "dense-mode", "dense_mode", "dense_mode", Form.TEXT,
		"maskclip|value|clearclip|sclip|naclip", "with `--prompts`: the mode the prompts were trained with (prompt sets "
			+ "from before record none: `maskclip`); otherwise `maskclip`", SegmentRequest.Builder::denseMode),
	WINDOW(Group.COMMON, "window", "window", "window", Form.WHOLE, "N", "the model's input size (224 for ViT-B/16)",
		(b, v) -> b.window(whole("window", v))),
	STRIDE(Group.COMMON, "stride", "stride", "stride", Form.WHOLE, "N", "half the window",
		(b, v) -> b.stride(whole("stride", v))),
	BATCH(Group.COMMON, "batch", null, "batch", Form.WHOLE, "N", "as many windows per forward pass as 1 GiB allows, at "
		+ "most 8 on a CPU; on a GPU as many as 70 % of its free memory holds, at most 256",
		(b, v) -> b.batch(whole("batch", v))),
	SHORT_SIDE(Group.COMMON, "short-side", null, "short_side", Form.WHOLE, "N", "no resize",
		(b, v) -> b.shortSide(whole("short side", v))),
	PROTOCOL(Group.COMMON, "protocol", "protocol", "gpr_scope", Form.TEXT, "windows|paper", "`windows`: sliding "
		+ "windows at the image's own resolution", SegmentRequest.Builder::protocol),
	PAMR(Group.COMMON, "pamr", "pamr", "pamr", Form.FLAG, null, "off", (b, v) -> b.pamr(on(v))),
	HALF(Group.COMMON, "half", "half_precision", "precision", Form.FLAG, null, "off (fp32)", (b, v) -> b.half(on(v))),
	TEMPLATE(Group.ZERO_SHOT, "template", "template", "templates", Form.TEXT, "TEXT", "MaskCLIP's 85 templates",
		SegmentRequest.Builder::template),
	DENOISE(Group.ZERO_SHOT, "denoise", "denoise", "prompt_denoising", Form.NUMBER, "0.5", "off",
		(b, v) -> b.denoise(number("denoise", v))),
	KEY_SMOOTHING(Group.ZERO_SHOT, "key-smoothing", "key_smoothing", "key_smoothing", Form.NUMBER, "1.0", "off",
		(b, v) -> b.keySmoothing(number("key smoothing", v))),
	TEMPERATURE(Group.ZERO_SHOT, "temperature", "temperature", "classifier", Form.NUMBER, "T", "the model's own logit "
		+ "scale (100 for OpenAI's)", (b, v) -> b.temperature(number("temperature", v))),
	CHANNELS(Group.COMMON, "channels", "channels", "channels", Form.TEXT, "1,2,3", "grey replicated, RGB as is, "
		+ "otherwise channels 1–3", SegmentRequest.Builder::channels);

	/** Which runs take an option: every method, or only learned prompts, zero-shot or a student (evaluate: several). */
	public enum Group {
		COMMON, LEARNED, ZERO_SHOT, STUDENT
	}

	/**
	 * How the value is written: a switch (present = on), a whole number (0 = automatic), a decimal, text, or a file
	 * (which the Spark job makes absolute: its executors run in folders of their own).
	 */
	public enum Form {
		FLAG, WHOLE, NUMBER, TEXT, FILE
	}

	private final Group group;
	private final String flag, macroKey, provenance, metavar, automatic;
	private final Form form;
	private final BiConsumer<SegmentRequest.Builder, String> apply;

	SegmentOption(Group group, String flag, String macroKey, String provenance, Form form, String metavar,
		String automatic, BiConsumer<SegmentRequest.Builder, String> apply)
	{
		this.group = group;
		this.flag = flag;
		this.macroKey = macroKey;
		this.provenance = provenance;
		this.form = form;
		this.metavar = metavar;
		this.automatic = automatic;
		this.apply = apply;
	}

	public Group group() {
		return group;
	}

	/** The command line's name, without the dashes. */
	public String flag() {
		return flag;
	}

	/** Fiji's field and macro key (recorded macros use it, so it never changes), or null where Fiji lacks it. */
	public String macroKey() {
		return macroKey;
	}

	/**
	 * The key in a summary's {@code parameters} that says the value used ({@link Resolved#used}); "classifier" where
	 * the classifier's description says it (the temperature, GPR off, classes judged absent left out).
	 */
	public String provenance() {
		return provenance;
	}

	public Form form() {
		return form;
	}

	/** What leaving the option out means, as README's option table says it; null where README has no row for it. */
	public String automatic() {
		return automatic;
	}

	/** {@code --flag} or {@code --flag METAVAR}, as usage lines write it. */
	public String form(boolean bracketed) {
		String s = "--" + flag + (metavar == null ? "" : " " + metavar);
		return bracketed ? "[" + s + "]" : s;
	}

	/** Sets this option from its text form ("true" for a switch that is on). */
	public SegmentRequest.Builder apply(SegmentRequest.Builder b, String text) {
		apply.accept(b, text);
		return b;
	}

	/** Sets each option of {@code values} (text forms) in table order: a window before its stride. */
	public static SegmentRequest.Builder apply(SegmentRequest.Builder b, java.util.Map<SegmentOption, String> values) {
		for (SegmentOption o : values()) if (values.containsKey(o)) o.apply(b, values.get(o));
		return b;
	}

	/** The rows of these groups, in table order. */
	public static EnumSet<SegmentOption> of(Group... groups) {
		EnumSet<SegmentOption> s = EnumSet.noneOf(SegmentOption.class);
		for (SegmentOption o : values()) if (java.util.Arrays.asList(groups).contains(o.group)) s.add(o);
		return s;
	}

	/**
	 * The rows a run of {@code own}'s method takes: the common ones and its group's; a student also GPR's switches (it
	 * weighs its scores by its teacher's g_c when it kept one).
	 */
	public static EnumSet<SegmentOption> forMethod(Group own) {
		EnumSet<SegmentOption> s = of(Group.COMMON, own);
		if (own == Group.STUDENT) s.addAll(EnumSet.of(NO_GPR, DROP_ABSENT));
		return s;
	}

	/** {@code [--window N] [--stride N] …} for these rows, in table order. */
	public static String usage(Collection<SegmentOption> which) {
		StringBuilder sb = new StringBuilder();
		for (SegmentOption o : EnumSet.copyOf(which)) sb.append(sb.length() == 0 ? "" : " ").append(o.form(true));
		return sb.toString();
	}

	/** The flag names of the rows that name files. */
	public static Set<String> files() {
		Set<String> s = new LinkedHashSet<>();
		for (SegmentOption o : values()) if (o.form == Form.FILE) s.add(o.flag);
		return s;
	}

	/** The flag names of these rows that take a value ({@code switches} false) or are switches (true). */
	public static Set<String> flags(Collection<SegmentOption> which, boolean switches) {
		Set<String> s = new LinkedHashSet<>();
		for (SegmentOption o : which) if ((o.form == Form.FLAG) == switches) s.add(o.flag);
		return s;
	}

	private static boolean on(String v) {
		return Boolean.parseBoolean(v.strip());
	}

	/** Front ends check numbers in their own words first; this catches text that reaches the table unchecked. */
	private static int whole(String what, String v) {
		try {
			return Integer.parseInt(v.strip());
		}
		catch (NumberFormatException e) {
			throw new RequestException("The " + what + " must be a whole number; got '" + v + "'.");
		}
	}

	private static double number(String what, String v) {
		try {
			double d = Double.parseDouble(v.strip());
			if (Double.isFinite(d)) return d;
		}
		catch (NumberFormatException e) {
			// below
		}
		throw new RequestException("The " + what + " must be a finite number; got '" + v + "'.");
	}
}
