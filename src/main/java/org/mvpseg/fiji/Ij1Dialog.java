package org.mvpseg.fiji;

import ij.ImagePlus;
import ij.Macro;
import ij.WindowManager;
import ij.gui.GenericDialog;
import ij.io.SaveDialog;
import ij.plugin.frame.Recorder;
import org.scijava.plugin.Parameter;

import java.awt.TextField;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The ImageJ 1.x dialog of a command, built from its {@code @Parameter} fields. Each field's label starts
 * with its macro key, because ImageJ records a field under its label's first word (so what the Recorder
 * writes is exactly what {@link Ij1Bridge#fill} reads), and goes on with the {@code @Parameter} label; the
 * Help button lists every field with its description. Paths get a Browse button ({@code style} "open", "save" or
 * "directory", SciJava's words), image titles a list of the open images ({@code style = "image"}).
 */
final class Ij1Dialog {

	static final String OPEN = "open", SAVE = "save", DIRECTORY = "directory", IMAGE = "image";

	private Ij1Dialog() {}

	/**
	 * Shows the dialog over the command's main fields, set to their current values, with an Advanced... button for
	 * the {@link Advanced} ones (a dialog of their own); false when cancelled. Every key is recorded, the advanced
	 * ones too, so a recorded line replays the whole run.
	 */
	static boolean show(Object cmd, String title) {
		GenericDialog gd = new GenericDialog("MVP-SEG: " + title);
		List<Field> fields = Ij1Bridge.inputs(cmd.getClass()), main = main(fields), advanced = advanced(fields);
		try {
			addAll(gd, cmd, main);
			if (!advanced.isEmpty()) gd.addButton(ADVANCED, e -> showAdvanced(cmd, title));
			gd.addHelp(help(cmd.getClass(), title));
			gd.showDialog();
			if (gd.wasCanceled()) return false;
			for (Field f : main) read(gd, cmd, f);
			if (Recorder.record && Macro.getOptions() == null) record(cmd, advanced);
			return true;
		}
		catch (IllegalAccessException e) {
			throw new IllegalStateException(e);
		}
	}

	static final String ADVANCED = "Advanced...";

	/** A command's dialog title: its menu entry without the dots ("Segment by Name"). */
	static String title(Class<?> command) {
		org.scijava.plugin.Plugin p = command.getAnnotation(org.scijava.plugin.Plugin.class);
		String path = p == null ? command.getSimpleName() : p.menuPath();
		return path.substring(path.lastIndexOf('>') + 1).replace("...", "");
	}

	/**
	 * The advanced fields in a dialog of their own (from the main dialog's button, and from Fiji's); OK sets them, Cancel
	 * leaves them. Its values are read from its components, not recorded here: the main dialog records them once.
	 */
	static void showAdvanced(Object cmd, String title) {
		List<Field> advanced = advanced(Ij1Bridge.inputs(cmd.getClass()));
		GenericDialog gd = new GenericDialog("MVP-SEG: " + title + " (advanced)");
		try {
			for (Field f : advanced) add(gd, cmd, f);
			gd.addHelp(help(cmd.getClass(), title));
			gd.showDialog();
			if (!gd.wasCanceled()) new Components(gd).read(cmd, advanced);
		}
		catch (IllegalAccessException e) {
			throw new IllegalStateException(e);
		}
	}

	static List<Field> main(List<Field> fields) {
		return fields.stream().filter(f -> !f.isAnnotationPresent(Advanced.class)).toList();
	}

	static List<Field> advanced(List<Field> fields) {
		return fields.stream().filter(f -> f.isAnnotationPresent(Advanced.class)).toList();
	}

	/** The fields in order, consecutive check boxes as one group of two columns (the outputs, in one block). */
	private static void addAll(GenericDialog gd, Object cmd, List<Field> fields) throws IllegalAccessException {
		for (int i = 0; i < fields.size();) {
			int j = i;
			while (j < fields.size() && fields.get(j).getType() == boolean.class) j++;
			if (j - i < 2) add(gd, cmd, fields.get(i++));
			else {
				String[] labels = new String[j - i];
				boolean[] on = new boolean[j - i];
				for (int k = i; k < j; k++) {
					labels[k - i] = label(fields.get(k));
					on[k - i] = fields.get(k).getBoolean(cmd);
				}
				gd.addCheckboxGroup((j - i + 1) / 2, 2, labels, on);
				i = j;
			}
		}
	}

	/** Writes the advanced fields into the Recorder's line as the dialog writes its own (check boxes only when on). */
	static void record(Object cmd, List<Field> fields) throws IllegalAccessException {
		for (Field f : fields) {
			if (f.getType() == boolean.class) {
				if (f.getBoolean(cmd)) Recorder.recordOption(f.getName());
			}
			else Recorder.recordOption(f.getName(), text(f.get(cmd)));
		}
	}

	/** A value as ImageJ's dialogs record it: whole numbers without a decimal point, an empty text as []. */
	static String text(Object v) {
		if (v instanceof Double d && d == Math.rint(d) && !Double.isInfinite(d)) return String.valueOf(d.longValue());
		return v == null || v.toString().isEmpty() ? "[]" : v.toString();
	}

	/** Reads a GenericDialog's fields from its components in order, without recording them. */
	private static final class Components {

		private final java.util.Iterator<?> numbers, strings, boxes, choices;

		Components(GenericDialog gd) {
			numbers = iterator(gd.getNumericFields());
			strings = iterator(gd.getStringFields());
			boxes = iterator(gd.getCheckboxes());
			choices = iterator(gd.getChoices());
		}

		private static java.util.Iterator<?> iterator(java.util.Vector<?> v) {
			return v == null ? java.util.Collections.emptyIterator() : v.iterator();
		}

		/** Sets the fields; a number that does not read as one is said, and that field keeps its value. */
		void read(Object cmd, List<Field> fields) throws IllegalAccessException {
			for (Field f : fields) {
				Class<?> t = f.getType();
				if (t == boolean.class) f.setBoolean(cmd, ((java.awt.Checkbox) boxes.next()).getState());
				else if (t == int.class || t == double.class) number(cmd, f, ((TextField) numbers.next()).getText());
				else if (choices(f).length > 0) f.set(cmd, ((java.awt.Choice) choices.next()).getSelectedItem());
				else f.set(cmd, ((TextField) strings.next()).getText());
			}
		}

		private static void number(Object cmd, Field f, String text) throws IllegalAccessException {
			double v = ij.util.Tools.parseDouble(text.strip(), Double.NaN);
			boolean whole = v == Math.rint(v);
			if (Double.isNaN(v) || (f.getType() == int.class && !whole)) {
				ij.IJ.error("MVP-SEG", f.getName() + ": \"" + text + "\" is not " + (f.getType() == int.class
					? "a whole number" : "a number") + "; it stays " + text(f.get(cmd)) + ".");
				return;
			}
			if (f.getType() == int.class) f.setInt(cmd, (int) v);
			else f.setDouble(cmd, v);
		}
	}

	private static void add(GenericDialog gd, Object cmd, Field f) throws IllegalAccessException {
		String key = label(f), style = style(f);
		Class<?> t = f.getType();
		if (t == ImagePlus.class) return; // the current image
		if (t == boolean.class) gd.addCheckbox(key, f.getBoolean(cmd));
		else if (t == int.class) gd.addNumericField(key, f.getInt(cmd), 0);
		else if (t == double.class) gd.addNumericField(key, f.getDouble(cmd), 4);
		else if (choices(f).length > 0) gd.addChoice(key, choices(f), (String) f.get(cmd));
		else if (style.equals(IMAGE) && WindowManager.getImageCount() > 0) gd.addChoice(key, WindowManager
			.getImageTitles(), defaultImage((String) f.get(cmd)));
		else if (style.equals(OPEN)) gd.addFileField(key, (String) f.get(cmd), 30);
		else if (style.equals(DIRECTORY)) gd.addDirectoryField(key, (String) f.get(cmd), 30);
		else {
			gd.addStringField(key, (String) f.get(cmd), 30);
			if (style.equals(SAVE)) saveButton(gd, (TextField) gd.getStringFields().lastElement());
		}
	}

	/**
	 * "key: label". ImageJ records and reads a field under its label's first word without a trailing colon
	 * (ij.Macro.trimKey), so the key stays the field's name; ImageJ shows its "_" as spaces.
	 */
	static String label(Field f) {
		return f.getName() + ": " + hint(f);
	}

	private static void read(GenericDialog gd, Object cmd, Field f) throws IllegalAccessException {
		Class<?> t = f.getType();
		if (t == ImagePlus.class) f.set(cmd, WindowManager.getCurrentImage());
		else if (t == boolean.class) f.setBoolean(cmd, gd.getNextBoolean());
		else if (t == int.class) f.setInt(cmd, (int) gd.getNextNumber());
		else if (t == double.class) f.setDouble(cmd, gd.getNextNumber());
		else if (choices(f).length > 0 || (style(f).equals(IMAGE) && WindowManager.getImageCount() > 0)) f.set(cmd, gd
			.getNextChoice());
		else f.set(cmd, gd.getNextString());
	}

	/** An open image's title for an image field: the remembered one if it is open, else the current image. */
	private static String defaultImage(String remembered) {
		List<String> open = Arrays.asList(WindowManager.getImageTitles());
		if (remembered != null && open.contains(remembered)) return remembered;
		ImagePlus current = WindowManager.getCurrentImage();
		return current != null ? current.getTitle() : open.get(0);
	}

	private static void saveButton(GenericDialog gd, TextField target) {
		gd.addToSameRow();
		gd.addButton("Browse...", e -> {
			SaveDialog sd = new SaveDialog("Save as", target.getText().isBlank() ? "mvpseg" : target.getText(), "");
			if (sd.getFileName() != null) target.setText(sd.getDirectory() + sd.getFileName());
		});
	}

	/** A field's @Parameter label (the Help page adds the description). */
	static String hint(Field f) {
		Parameter p = f.getAnnotation(Parameter.class);
		return p.label().isEmpty() ? f.getName() : p.label();
	}

	/** A field's label and its description where it has one. */
	static String explanation(Field f) {
		String d = f.getAnnotation(Parameter.class).description();
		return d.isEmpty() ? hint(f) : hint(f) + " — " + d;
	}

	static String style(Field f) {
		return f.getAnnotation(Parameter.class).style();
	}

	/** A field's choices: the registry's names for a model field, else the annotation's. */
	static String[] choices(Field f) {
		if (f.isAnnotationPresent(ModelName.class)) return ModelChoices.names().toArray(new String[0]);
		return f.getAnnotation(Parameter.class).choices();
	}

	/** The Help button's page: every field with its macro key, and what the command's choices mean. */
	static String help(Class<?> command, String title) {
		StringBuilder sb = new StringBuilder("<html><h2>MVP-SEG: ").append(title).append("</h2>");
		sb.append("<p>Each field's name is its macro key: the Macro Recorder writes what you chose as "
			+ "<tt>key=value</tt>, and a macro that leaves a key out gets its default (never the values this dialog "
			+ "remembers). A weights file, when given, is used instead of the model choice. Label value 0 is the "
			+ "first class name (not a background), 1 the second, and so on.</p><table>");
		for (Field f : Ij1Bridge.inputs(command)) {
			if (f.getType() == ImagePlus.class) continue;
			sb.append("<tr><td valign=top><tt>").append(f.getName()).append("</tt></td><td>").append(escape(explanation(f)));
			String[] choices = choices(f);
			if (choices.length > 0) sb.append(" (").append(escape(String.join(" | ", new ArrayList<>(Arrays.asList(
				choices))))).append(")");
			sb.append("</td></tr>");
		}
		return sb.append("</table><p>More: the README and docs/fiji.md of MVP-SEG for Fiji.</p></html>").toString();
	}

	private static String escape(String s) {
		return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
	}
}
