package org.mvpseg.cli;

import org.mvpseg.engine.EngineRegistry;
import org.mvpseg.runtime.EngineSelection;
import org.mvpseg.engine.Engines;
import org.mvpseg.runtime.InstalledEngines;
import org.mvpseg.runtime.Torch;

import java.io.PrintStream;
import java.util.Set;

/**
 * {@code engine status | install cuda [--archive FILE] | remove cuda}: the libtorch MVP-SEG runs on. An installed
 * CUDA engine is used from the next start on, without environment variables (docs/gpu.md).
 */
final class EngineCommand implements Main.Subcommand {

	@Override
	public String usage() {
		return "engine status|install cuda|remove cuda [--archive FILE] [--registry FILE]";
	}

	@Override
	public int run(String[] argv, PrintStream out) throws Exception {
		Args a = new Args(argv, 1, Set.of("archive", "registry"), Set.of());
		if (a.positional.isEmpty()) throw new Args.UsageException("say what to do: status, install cuda or remove cuda");
		String action = a.positional.get(0);
		EngineRegistry registry = a.has("registry") ? EngineRegistry.read(a.path("registry")) : EngineRegistry.builtIn();
		Engines engines = Engines.locate();
		switch (action) {
			case "status" -> status(engines, out);
			case "install" -> {
				EngineRegistry.Entry e = registry.forPlatform(kind(a), EngineRegistry.platform());
				ConsoleProgress progress = new ConsoleProgress(System.err);
				InstalledEngines.Installed i = a.has("archive") ? engines.installArchive(e, a.path("archive"), progress) : engines
					.install(e, progress);
				out.println("installed " + i.describe());
				out.println("the next start of MVP-SEG uses it (engine status shows what is active)");
			}
			case "remove" -> {
				EngineRegistry.Entry e = registry.forPlatform(kind(a), EngineRegistry.platform());
				out.println(engines.remove(e) ? "removed libtorch " + e.version() + " " + e.flavor() + " from " + engines
					.dir() : "libtorch " + e.version() + " " + e.flavor() + " was not installed in " + engines.dir());
			}
			default -> throw new Args.UsageException("unknown action '" + action + "': status, install or remove");
		}
		return 0;
	}

	private static String kind(Args a) {
		if (a.positional.size() < 2) throw new Args.UsageException("say which engine: cuda");
		return a.positional.get(1);
	}

	/** What is installed, what was chosen and why, what DJL loaded, and the device auto gives. */
	private static void status(Engines engines, PrintStream out) {
		out.println("platform: " + EngineRegistry.platform());
		out.println("engine cache: " + engines.dir() + " (set with -D" + InstalledEngines.PROPERTY + " or " + InstalledEngines.ENV + ")");
		var installed = engines.installed(EngineRegistry.platform());
		if (installed.isEmpty()) out.println("installed: none (mvp-seg engine install cuda adds the CUDA engine)");
		for (InstalledEngines.Installed i : installed) out.println("installed: " + i.describe());
		out.println("chosen: " + EngineSelection.apply());
		try {
			out.println("loaded: " + Torch.describe());
			out.println(Torch.engineInfo().describe());
		}
		catch (Torch.EngineException ex) {
			out.println("loaded: nothing — " + ex.getMessage());
		}
	}
}
