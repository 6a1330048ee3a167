package org.mvpseg.fiji;

import ij.IJ;
import ij.measure.ResultsTable;
import org.mvpseg.models.ModelCache;
import org.mvpseg.models.ModelDownloader;
import org.mvpseg.models.ModelRegistry;
import org.mvpseg.pipeline.ModelService;
import org.mvpseg.engine.EngineRegistry;
import org.mvpseg.runtime.EngineSelection;
import org.mvpseg.engine.Engines;
import org.mvpseg.runtime.Torch;
import org.scijava.app.StatusService;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

import java.nio.file.Files;
import java.util.List;

/**
 * Plugins › Segmentation › MVP-SEG › Models &amp; Engine… — lists, downloads (with progress),
 * verifies and removes models; shows the engine, the device actually used and why, and the model
 * held in memory; unloads it. Downloads happen only here or on a model's first use, never silently.
 */
@Plugin(type = Command.class, menuPath = "Plugins>Segmentation>MVP-SEG>Models & Engine...", headless = true)
public class ModelsEngineCommand implements Command {

	@Parameter(label = "Action", choices = { "Show", "Download", "Verify", "Remove", "Unload model",
		"Install CUDA engine", "Remove CUDA engine" }, persist = false, description = "Download, Verify and Remove act "
			+ "on the model; Install CUDA engine downloads libtorch 2.7.1 for CUDA 12.8 (about 2.5 GB, NVIDIA driver 570 "
			+ "or newer), which the next start of Fiji uses")
	public String action = "Show";

	// the registry's names; a test keeps this list equal to models/openai-models.json and science-models.json
	@Parameter(label = "CLIP model (downloaded and verified on first use)", persist = false, choices = { "ViT-B/16", "ViT-B/32", "ViT-L/14", "ViT-L/14@336px", "RN50", "RN101", "RN50x4",
		"RN50x16", "RN50x64", "BiomedCLIP", "PLIP", "QuiltNet" })
	@ModelName
	public String model = "ViT-B/16";

	@Parameter(required = false)
	private StatusService status;

	@Parameter(required = false)
	private org.scijava.task.TaskService tasks;

	/** What was reported, for tests and the log. */
	public String report = "";

	private static EngineRegistry.Entry cudaEngine() {
		return EngineRegistry.builtIn().forPlatform("cuda", EngineRegistry.platform());
	}

	/** The engine MVP-SEG chose and why, what DJL loaded, and the device auto gives with its reason. */
	static String engineReport() {
		StringBuilder sb = new StringBuilder("engine chosen: " + EngineSelection.apply());
		try {
			sb.append("\nengine: ").append(Torch.describe()).append('\n').append(Torch.engineInfo().describe());
		}
		catch (Torch.EngineException ex) {
			sb.append("\nengine: ").append(ex.getMessage());
		}
		return sb.toString();
	}

	/** The image features held for a second run (docs/features.md), one line per image. */
	static String imageFeatures() {
		List<String> held = ModelService.shared().features().describe();
		if (held.isEmpty()) return "\nimage features in memory: none";
		return String.format(java.util.Locale.ROOT, "\nimage features in memory (%.1f MB; a second run on these skips "
			+ "the image tower):\n  ", ModelService.shared().features().bytes() / 1e6) + String.join("\n  ", held);
	}

	@Override
	public void run() {
		try (FijiProgress progress = new FijiProgress(tasks, status, "Models & Engine")) {
			ModelRegistry registry = ModelRegistry.builtIn();
			ModelCache cache = ModelCache.locate(null);
			ModelRegistry.Entry e = registry.get(model);
			switch (action) {
				case "Download" -> report = "downloaded and verified " + new ModelDownloader(cache).fetch(e, progress);
				case "Verify" -> report = cache.isPresent(e) ? "verified " + cache.verified(e) : e.name()
					+ " is not downloaded";
				case "Remove" -> {
					boolean gone = Files.deleteIfExists(cache.pathOf(e));
					Files.deleteIfExists(cache.pathOf(e).resolveSibling(e.file() + ".sha256"));
					report = gone ? "removed " + cache.pathOf(e) : e.name() + " was not downloaded";
				}
				case "Unload model" -> {
					ModelService.shared().unload();
					report = "model unloaded from memory, with the image features kept for it";
				}
				case "Install CUDA engine" -> report = "installed " + Engines.locate().install(cudaEngine(), progress)
					.describe() + "; restart Fiji to use it";
				case "Remove CUDA engine" -> report = Engines.locate().remove(cudaEngine())
					? "removed the CUDA engine; restart Fiji to use the CPU libtorch" : "no CUDA engine was installed";
				default -> report = "";
			}
			ResultsTable rt = new ResultsTable();
			for (ModelRegistry.Entry m : registry.entries()) {
				rt.incrementCounter();
				rt.addValue("Model", m.name());
				rt.addValue("File", cache.pathOf(m).toString());
				rt.addValue("Downloaded", cache.isPresent(m) ? "yes" : "no");
				rt.addValue("MB", cache.isPresent(m) ? Files.size(cache.pathOf(m)) >> 20 : 0);
				rt.addValue("Verified", cache.isVerified(m) ? "yes" : "no");
			}
			rt.show("MVP-SEG Models");
			String engine = engineReport();
			String loaded = ModelService.shared().current();
			report = (report.isEmpty() ? "" : report + "\n") + engine + "\nmodel cache: " + cache.dir()
				+ "\nin memory: " + (loaded == null ? "none" : loaded) + imageFeatures();
			IJ.log("MVP-SEG " + report.replace("\n", "\nMVP-SEG "));
		}
		catch (Exception e) {
			Errors.report(e);
		}
	}
}
