package org.mvpseg.fiji;

import ij.IJ;
import ij.Macro;
import ij.plugin.PlugIn;
import org.scijava.command.Command;

/**
 * The ImageJ 1.x entry for every MVP-SEG command (plugins.config passes which one). It runs the
 * same SciJava command class that Fiji runs, through {@link Ij1Bridge}: same macro keys, same core.
 */
public class MvpSegPlugin implements PlugIn {

	@Override
	public void run(String arg) {
		Command cmd = switch (arg == null ? "" : arg) {
			case "segment" -> new SegmentByNameCommand();
			case "explore" -> new ExploreNamesCommand();
			case "train" -> new TrainPromptsCommand();
			case "evaluate" -> new EvaluateSegmentationCommand();
			case "models" -> new ModelsEngineCommand();
			case "adapt" -> new AdaptCommand();
			default -> null;
		};
		if (cmd == null) {
			IJ.log("MVP-SEG: unknown command \"" + arg + "\" in plugins.config");
			return;
		}
		String options = Macro.getOptions();
		try {
			if (options != null) Ij1Bridge.fill(cmd, options); // a macro: an omitted key takes its default
			else {
				LastValues.load(cmd);
				if (!Ij1Dialog.show(cmd, Ij1Dialog.title(cmd.getClass()))) return;
				LastValues.save(cmd);
			}
		}
		catch (IllegalArgumentException e) {
			IJ.log("MVP-SEG: " + e.getMessage());
			return;
		}
		Errors.clear();
		cmd.run(); // commands report their own errors in one line
		String error = Errors.lastError();
		if (error.isEmpty()) Ij1Bridge.showOutputs(cmd);
		else if (options == null) IJ.error("MVP-SEG", error);
		else if (!"continue".equals(Macro.getValue(options, Ij1Bridge.ON_ERROR, "abort"))) {
			IJ.log("MVP-SEG: the macro stops here (add on_error=continue to go on and read the error with "
				+ "call(\"org.mvpseg.fiji.Errors.lastError\")).");
			Macro.abort(); // as ImageJ's own commands end a macro on an error
		}
	}
}
