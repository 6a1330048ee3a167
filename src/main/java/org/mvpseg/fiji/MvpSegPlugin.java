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
			if (options != null) Ij1Bridge.fill(cmd, options);
			else if (!Ij1Bridge.dialog(cmd, "MVP-SEG")) return;
		}
		catch (IllegalArgumentException e) {
			IJ.log("MVP-SEG: " + e.getMessage());
			return;
		}
		cmd.run(); // commands report their own errors in one line
		Ij1Bridge.showOutputs(cmd);
	}
}
