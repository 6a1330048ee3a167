package org.mvpseg.fiji;

import org.scijava.module.Module;
import org.scijava.module.process.AbstractPostprocessorPlugin;
import org.scijava.module.process.AbstractPreprocessorPlugin;
import org.scijava.module.process.PostprocessorPlugin;
import org.scijava.module.process.PreprocessorPlugin;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;
import org.scijava.ui.UIService;
import org.scijava.widget.InputHarvester;

import java.util.Collections;
import java.util.Set;
import java.util.WeakHashMap;

/**
 * The remembered dialog values ({@link LastValues}) in Fiji's SciJava dialogs. Our parameters say
 * {@code persist = false} because SciJava's own persistence also fills the keys a macro leaves out;
 * instead, just before the input dialog, these plugins load the remembered values into the inputs not
 * yet given — only when a user interface is shown and no ImageJ macro is running on this thread
 * (imagej-legacy fills a macro's keys from the same {@code Macro.getOptions()}) — and save them after
 * the command ran from that dialog. In a macro run it names the keys the command does not take.
 */
public final class RememberedInputs {

	private RememberedInputs() {}

	/** Modules whose inputs came from a dialog (weakly held: a finished module is forgotten). */
	private static final Set<Module> FROM_DIALOG = Collections.synchronizedSet(Collections.newSetFromMap(
		new WeakHashMap<>()));

	/** True for our commands in a shown user interface outside a macro. */
	static boolean interactive(Module module, UIService ui) {
		return ui != null && !macroRunning() && ui.isVisible() && !ui.isHeadless() && ours(module);
	}

	/** An ImageJ macro's options on this thread (imagej-legacy runs a macro's commands with them). */
	static boolean macroRunning() {
		return ij.Macro.getOptions() != null;
	}

	static boolean ours(Module module) {
		Object o = module.getDelegateObject();
		return o != null && o.getClass().getPackageName().equals(RememberedInputs.class.getPackageName());
	}

	/**
	 * Loads the remembered values into the inputs not yet given, and marks the module for saving. The {@link Advanced}
	 * inputs are then marked resolved, so Fiji's dialog leaves them to its Advanced... button; imagej-legacy still
	 * records them (it leaves out only the inputs resolved before its own preprocessor, which runs first).
	 */
	static void load(Module module) {
		LastValues.load(module.getDelegateObject(), name -> !module.isInputResolved(name));
		FROM_DIALOG.add(module);
		for (java.lang.reflect.Field f : Ij1Dialog.advanced(Ij1Bridge.inputs(module.getDelegateObject().getClass())))
			module.resolveInput(f.getName());
	}

	/** Saves the values of a module whose inputs came from a dialog. */
	static void save(Module module) {
		if (FROM_DIALOG.remove(module)) LastValues.save(module.getDelegateObject());
	}

	/** Runs just before SciJava's input dialog. */
	@Plugin(type = PreprocessorPlugin.class, priority = InputHarvester.PRIORITY + 1)
	public static final class Load extends AbstractPreprocessorPlugin {

		@Parameter(required = false)
		private UIService ui;

		@Override
		public void process(Module module) {
			if (interactive(module, ui)) load(module);
			else if (macroRunning() && ours(module)) Ij1Bridge.warnUnknownKeys(ij.Macro.getOptions(), module
				.getDelegateObject().getClass()); // Fiji runs a macro's line through SciJava: a typo is named too
		}
	}

	/** Runs after the command. */
	@Plugin(type = PostprocessorPlugin.class)
	public static final class Save extends AbstractPostprocessorPlugin {

		@Override
		public void process(Module module) {
			save(module);
		}
	}
}
