package org.mvpseg.fiji;

import org.mvpseg.files.AtomicFiles;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Properties;

/**
 * The values a user last confirmed in a command's dialog, per user and per command, so that the next
 * dialog opens with them (the first complaint of ImageJ users is retyping a long path after a typo).
 * Only dialogs read and write them: a macro's omitted key always takes the command's default
 * (docs/fiji.md, "What a dialog remembers"). Images are not remembered. A file is replaced
 * atomically, so two ImageJ instances saving at once never leave a half-written file.
 */
final class LastValues {

	/** Where the files live: this system property, else $XDG_CONFIG_HOME/mvp-seg, else ~/.config/mvp-seg. */
	static final String PROPERTY = "mvpseg.config";

	private LastValues() {}

	static Path dir() {
		String p = System.getProperty(PROPERTY);
		if (p != null && !p.isBlank()) return Path.of(p);
		String xdg = System.getenv("XDG_CONFIG_HOME");
		Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".config");
		return base.resolve("mvp-seg");
	}

	static Path file(Class<?> command) {
		return dir().resolve("dialogs").resolve(command.getSimpleName() + ".properties");
	}

	/** Sets the command's fields to the remembered values; unreadable files and values are ignored (defaults stay). */
	static void load(Object cmd) {
		load(cmd, name -> true);
	}

	/** As {@link #load(Object)}, for the fields {@code which} accepts (SciJava: those not yet given). */
	static void load(Object cmd, java.util.function.Predicate<String> which) {
		Path f = file(cmd.getClass());
		if (!Files.isRegularFile(f)) return;
		Properties p = new Properties();
		try (InputStream in = Files.newInputStream(f)) {
			p.load(in);
		}
		catch (IOException | IllegalArgumentException e) {
			return; // a damaged file only costs the remembered values
		}
		for (Field field : Ij1Bridge.inputs(cmd.getClass())) {
			String v = p.getProperty(field.getName());
			if (v != null && which.test(field.getName())) set(cmd, field, v);
		}
	}

	private static void set(Object cmd, Field f, String v) {
		try {
			Class<?> t = f.getType();
			if (t == String.class) f.set(cmd, v);
			else if (t == int.class) f.setInt(cmd, Integer.parseInt(v));
			else if (t == double.class) f.setDouble(cmd, Double.parseDouble(v));
			else if (t == boolean.class) f.setBoolean(cmd, Boolean.parseBoolean(v));
		}
		catch (NumberFormatException e) {
			// a value edited by hand into nonsense: the default stays
		}
		catch (IllegalAccessException e) {
			throw new IllegalStateException(e);
		}
	}

	/** Remembers the command's current values (not its images); a failure to write is logged, never fatal. */
	static void save(Object cmd) {
		Properties p = new Properties();
		try {
			for (Field field : Ij1Bridge.inputs(cmd.getClass())) {
				Object v = field.get(cmd);
				if (v != null && field.getType() != ij.ImagePlus.class) p.setProperty(field.getName(), v.toString());
			}
			Path f = file(cmd.getClass()), tmp = AtomicFiles.tempSibling(f);
			try (OutputStream out = Files.newOutputStream(tmp)) {
				p.store(out, "MVP-SEG: the last values confirmed in this dialog (macros never read them)");
			}
			Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
		}
		catch (IOException e) {
			ij.IJ.log("MVP-SEG: could not remember the dialog's values (" + e.getMessage() + "); the run is not affected.");
		}
		catch (IllegalAccessException e) {
			throw new IllegalStateException(e);
		}
	}
}
