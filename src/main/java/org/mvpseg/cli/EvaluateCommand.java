package org.mvpseg.cli;

import org.mvpseg.models.ModelResolver;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import org.mvpseg.clip.ClipModel;
import org.mvpseg.fiji.DatasetFolder;
import org.mvpseg.mvp.Evaluation;
import org.mvpseg.mvp.MvpClassifier;
import org.mvpseg.mvp.PromptSet;
import org.mvpseg.runtime.LoadedModels;
import org.mvpseg.segment.SegmentOptions;
import org.mvpseg.segment.Segmenter;
import org.mvpseg.segment.Templates;
import org.mvpseg.segment.ZeroShotClassifier;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** {@code evaluate}: mIoU(seen), mIoU(unseen), hIoU of learned prompts and/or the zero-shot baseline. */
final class EvaluateCommand implements Main.Subcommand {

	@Override
	public String usage() {
		return "evaluate --data DIR (--prompts FILE | --zero-shot | both) " + ModelArgs.USAGE + " --seen \"a, b\" "
			+ "[--unseen \"c, d\"] [--json FILE] [--window N] [--stride N] [--template TEXT]";
	}

	@Override
	public int run(String[] argv, PrintStream out) throws Exception {
		Set<String> valued = new HashSet<>(ModelArgs.OPTIONS);
		valued.addAll(Set.of("data", "prompts", "seen", "unseen", "json", "window", "stride", "template"));
		Args a = new Args(argv, 1, valued, Set.of("zero-shot"));
		if (!a.has("prompts") && !a.has("zero-shot")) throw new Args.UsageException("give --prompts FILE, --zero-shot "
			+ "or both");
		DatasetFolder.Contents data = DatasetFolder.load(a.path("data"));
		List<String> seen = Templates.parseClassNames(a.require("seen"));
		List<String> unseen = Evaluation.unseenClasses(data.classes(), seen, a.get("unseen", ""));
		List<String> all = new ArrayList<>(seen);
		all.addAll(unseen);
		ConsoleProgress progress = new ConsoleProgress(System.err);
		ModelResolver.Resolved model = ModelArgs.resolve(a, progress);
		ClipModel clip = LoadedModels.get(model.weights());
		Segmenter seg = Segmenter.of(clip, LoadedModels.manager(), SegmentOptions.defaults().withWindow(a.integer(
			"window", 0, 0), a.integer("stride", 0, 0)));
		List<String> titles = new ArrayList<>();
		List<Evaluation> runs = new ArrayList<>();
		JsonObject json = new JsonObject();
		if (a.has("prompts")) {
			PromptSet p = PromptSet.load(a.path("prompts"));
			p.checkBackbone(model.sha256(), clip.config().textWidth());
			try (MvpClassifier c = new MvpClassifier(clip, p, all, LoadedModels.manager())) {
				Evaluation e = Evaluation.run(data.images(), data.classes(), seen, unseen, seg, c, progress);
				titles.add("MVP-SEG");
				runs.add(e);
				json = e.toJson();
				json.addProperty("method", c.describe());
			}
		}
		if (a.has("zero-shot")) {
			List<String> templates = a.has("template") ? Templates.single(a.get("template", "")) : Templates.ensemble();
			try (ZeroShotClassifier c = new ZeroShotClassifier(clip, LoadedModels.identity(model.weights()), all,
				templates, 0, LoadedModels.manager(), progress))
			{
				Evaluation e = Evaluation.run(data.images(), data.classes(), seen, unseen, seg, c, progress);
				titles.add("zero-shot");
				runs.add(e);
				JsonObject z = e.toJson();
				z.addProperty("method", c.describe());
				if (a.has("prompts")) json.add("zero_shot", z);
				else json = z;
			}
		}
		out.println("IoU (%) on " + data.images().size() + " image(s):");
		out.print(Evaluation.table(titles, runs));
		if (a.has("json")) {
			Path f = a.path("json");
			Files.writeString(f, new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create()
				.toJson(json) + "\n");
			out.println("wrote " + f);
		}
		return 0;
	}
}
