package org.mvpseg.fiji;

import ij.ImagePlus;
import ij.Macro;
import ij.WindowManager;
import org.scijava.ItemIO;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Runs a SciJava command of ours in plain ImageJ 1.x: its {@code @Parameter} fields are filled
 * from the macro options (keys = field names, exactly as Fiji records them) or from a
 * GenericDialog built from the same fields, an {@code ImagePlus} input is the current image, and
 * {@code ImagePlus} outputs are shown. One set of parameters, one core, both worlds.
 */
final class Ij1Bridge {

	private Ij1Bridge() {}

	/**
	 * The command's user-facing inputs in dialog order: its own fields as declared, the inherited ones
	 * (model, weights, windows) before its own check boxes.
	 */
	static List<Field> inputs(Class<?> type) {
		List<Field> own = usable(type.getDeclaredFields()), inherited = new ArrayList<>();
		for (Class<?> c = type.getSuperclass(); c != null && c != Object.class; c = c.getSuperclass()) inherited.addAll(0,
			usable(c.getDeclaredFields()));
		List<Field> out = new ArrayList<>();
		for (Field f : own) if (f.getType() != boolean.class) out.add(f);
		out.addAll(inherited);
		for (Field f : own) if (f.getType() == boolean.class) out.add(f);
		return out;
	}

	private static List<Field> usable(Field[] fields) {
		List<Field> out = new ArrayList<>();
		for (Field f : fields) {
			Parameter p = f.getAnnotation(Parameter.class);
			if (p == null || p.type() == ItemIO.OUTPUT || Modifier.isStatic(f.getModifiers())) continue;
			Class<?> t = f.getType();
			if (t == String.class || t == int.class || t == double.class || t == boolean.class || t == ImagePlus.class)
				out.add(f);
		}
		return out;
	}

	/**
	 * Fills the fields from macro options. Check boxes follow ImageJ's rule (a key present = on,
	 * absent = off), except that the boxes on by default stay on when the macro names none of them
	 * (a recorded macro names every box that was on), so a short hand-written line such as
	 * {@code classes=[a, b] pamr} still makes every output.
	 */
	static void fill(Object cmd, String options) {
		List<Field> fields = inputs(cmd.getClass());
		warnUnknownKeys(options, cmd.getClass());
		boolean anyOnByDefault = false;
		try {
			for (Field f : fields) if (f.getType() == boolean.class && f.getBoolean(cmd)) anyOnByDefault |= hasKey(
				options, f.getName());
		}
		catch (IllegalAccessException e) {
			throw new IllegalStateException(e);
		}
		try {
			for (Field f : fields) {
				String key = f.getName();
				Class<?> t = f.getType();
				if (t == ImagePlus.class) {
					String title = Macro.getValue(options, key, null);
					ImagePlus imp = title != null ? WindowManager.getImage(title) : WindowManager.getCurrentImage();
					if (title != null && imp == null) throw new IllegalArgumentException("No open image is called \""
						+ title + "\".");
					f.set(cmd, imp);
					continue;
				}
				if (t == boolean.class) {
					String v = Macro.getValue(options, key, null);
					boolean on = v != null ? Boolean.parseBoolean(v.strip()) : hasKey(options, key);
					if (on || anyOnByDefault || !f.getBoolean(cmd)) f.setBoolean(cmd, on);
					continue;
				}
				String v = Macro.getValue(options, key, null);
				if (v == null) continue; // default stays
				if (t == String.class) f.set(cmd, v);
				else if (t == int.class) f.setInt(cmd, number(key, v).intValue());
				else f.setDouble(cmd, number(key, v).doubleValue());
			}
		}
		catch (IllegalAccessException e) {
			throw new IllegalStateException(e);
		}
	}

	private static Number number(String key, String v) {
		try {
			return Double.valueOf(v.strip());
		}
		catch (NumberFormatException e) {
			throw new IllegalArgumentException(key + " must be a number, got \"" + v + "\".");
		}
	}

	static boolean hasKey(String options, String key) {
		return Pattern.compile("(^|\\s)" + Pattern.quote(key) + "(=|\\s|$)").matcher(options).find();
	}

	/** The bridge's own macro key: on_error=continue lets a macro go on after an error (default: abort). */
	static final String ON_ERROR = "on_error";

	/** Logs the keys of a macro's options that the command does not take (a typo would otherwise be silent). */
	static void warnUnknownKeys(String options, Class<?> command) {
		List<Field> fields = inputs(command);
		List<String> unknown = unknownKeys(options, fields);
		if (!unknown.isEmpty()) ij.IJ.log("MVP-SEG: unknown macro key(s) " + String.join(", ", unknown) + " ignored; "
			+ "this command takes " + String.join(", ", fields.stream().map(Field::getName).toList()) + ".");
	}

	/** The keys of a macro options string (key=value, key=[a value], or a bare check-box key) no field takes. */
	static List<String> unknownKeys(String options, List<Field> fields) {
		java.util.Set<String> known = new java.util.HashSet<>(java.util.Set.of(ON_ERROR));
		for (Field f : fields) known.add(f.getName());
		List<String> out = new ArrayList<>();
		int i = 0, n = options.length();
		while (i < n) {
			while (i < n && options.charAt(i) == ' ') i++;
			int start = i;
			while (i < n && options.charAt(i) != '=' && options.charAt(i) != ' ') i++;
			String key = options.substring(start, i).toLowerCase(java.util.Locale.ROOT);
			if (i < n && options.charAt(i) == '=') {
				i++;
				if (i < n && options.charAt(i) == '[') {
					int close = options.indexOf(']', i);
					i = close < 0 ? n : close + 1;
				}
				else while (i < n && options.charAt(i) != ' ') i++;
			}
			if (!key.isEmpty() && !known.contains(key)) out.add(key);
		}
		return out;
	}

	/** Shows the command's ImagePlus outputs (registered as batch images in batch mode). */
	static void showOutputs(Command cmd) {
		for (Field f : cmd.getClass().getDeclaredFields()) {
			Parameter p = f.getAnnotation(Parameter.class);
			if (p == null || p.type() != ItemIO.OUTPUT || f.getType() != ImagePlus.class) continue;
			try {
				ImagePlus imp = (ImagePlus) f.get(cmd);
				if (imp != null) imp.show();
			}
			catch (IllegalAccessException e) {
				throw new IllegalStateException(e);
			}
		}
	}
}
