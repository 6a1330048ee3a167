package org.mvpseg.cli;

import org.mvpseg.models.ModelResolver;

import ij.IJ;
import ij.ImagePlus;
import org.mvpseg.clip.ClipModel;
import org.mvpseg.fiji.ImagePlusSource;
import org.mvpseg.image.ClipInput;
import org.mvpseg.io.SegmentationFiles;
import org.mvpseg.mvp.MvpClassifier;
import org.mvpseg.mvp.PromptSet;
import org.mvpseg.runtime.LoadedModels;
import org.mvpseg.runtime.Progress;
import org.mvpseg.runtime.Torch;
import org.mvpseg.segment.PixelClassifier;
import org.mvpseg.segment.SegmentOptions;
import org.mvpseg.segment.Segmenter;
import org.mvpseg.segment.Templates;
import org.mvpseg.segment.ZeroShotClassifier;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/** {@code segment}: label image, probabilities and summary for each image, by class names. */
final class SegmentCommand implements Main.Subcommand {

	static final Set<String> IMAGE_SUFFIXES = Set.of(".tif", ".tiff", ".png", ".jpg", ".jpeg", ".bmp", ".gif");

	@Override
	public String usage() {
		return "segment IMAGE|FOLDER... --classes \"cat, grass, sky\" [--model ViT-B/16 | --weights FILE] "
			+ "[--prompts FILE] [--key-smoothing 1.0] [--dense-mode maskclip|clearclip|sclip|naclip] [--window N] [--stride N] [--batch N] [--short-side N] [--template TEXT] [--denoise 0.5] "
			+ "[--channels 1,2,3] [--out DIR] [--outputs labels,probabilities,summary] [--overwrite] [--models-dir DIR]";
	}

	@Override
	public int run(String[] argv, PrintStream out) throws Exception {
		Set<String> valued = new java.util.HashSet<>(ModelArgs.OPTIONS);
		valued.addAll(Set.of("classes", "prompts", "key-smoothing", "dense-mode", "window", "stride", "batch", "short-side", "template", "denoise",
			"channels", "out", "outputs"));
		Args a = new Args(argv, 1, valued, Set.of("overwrite"));
		if (a.positional.isEmpty()) throw new Args.UsageException("give at least one image or folder");
		List<String> classes = Templates.parseClassNames(a.require("classes"));
		List<String> templates = a.has("template") ? Templates.single(a.get("template", "")) : Templates.ensemble();
		SegmentOptions options = new SegmentOptions(a.integer("window", 0, 0), a.integer("stride", 0, 0), a.integer(
			"batch", 0, 0), a.integer("short-side", 0, 0), SegmentOptions.DEFAULT_BUDGET);
		double denoise = a.decimal("denoise", 0);
		int[] channels = a.has("channels") ? oneBased(a.integers("channels", "")) : null;
		EnumSet<SegmentationFiles.Output> outputs = SegmentationFiles.Output.parse(a.get("outputs",
			"labels,probabilities,summary"));
		Path outDir = Path.of(a.get("out", "mvpseg-results"));
		boolean overwrite = a.has("overwrite");
		List<Path> images = collect(a.positional);
		PrintStream err = System.err;
		Progress progress = new ConsoleProgress(err);

		PromptSet prompts = a.has("prompts") ? PromptSet.load(a.path("prompts")) : null;
		ModelResolver.Resolved resolved = ModelArgs.resolve(a, progress);
		Path weights = resolved.weights();
		out.println("model: " + weights + " on " + Torch.describe());
		ClipModel model = LoadedModels.get(weights);
		if (prompts != null) prompts.checkBackbone(resolved.sha256(), model.config().textWidth());
		org.mvpseg.clip.DenseMode mode = org.mvpseg.clip.DenseMode.parse(a.get("dense-mode", "maskclip"));
		Segmenter segmenter = Segmenter.of(model, LoadedModels.manager(), options, mode);
		int failed = 0;
		try (PixelClassifier classifier = prompts != null ? new MvpClassifier(model, prompts, classes, LoadedModels
			.manager()) : new ZeroShotClassifier(model, LoadedModels.identity(weights), classes, templates, denoise, a
				.decimal("key-smoothing", 0), LoadedModels.manager(), progress))
		{
			out.println("classes: " + String.join(", ", classes) + " (" + classifier.describe() + "; dense features: "
				+ mode.label() + ")");
			for (int i = 0; i < images.size(); i++) {
				Path img = images.get(i);
				out.printf("[%d/%d] %s%n", i + 1, images.size(), img);
				try {
					Segmenter.Result r = segmentOne(img, channels, segmenter, classifier, outDir, outputs, overwrite,
						progress, weights, model, options, templates, denoise, mode);
					StringBuilder sb = new StringBuilder();
					long total = (long) r.width() * r.height();
					for (int c = 0; c < classes.size(); c++) sb.append(c == 0 ? "" : ", ").append(String.format(
						Locale.ROOT, "%s %.1f%%", classes.get(c), 100.0 * r.pixelCounts()[c] / total));
					out.printf(Locale.ROOT, "  done in %.1f s (%d windows, %d forward passes): %s%n", r.seconds(), r
						.windows(), r.forwardPasses(), sb);
					if (r.nonFinite() > 0) out.println("  note: " + r.nonFinite() + " NaN/infinite values were left out "
						+ "of the intensity scaling and shown as the mean colour");
				}
				catch (IOException | IllegalArgumentException e) {
					failed++;
					out.println("  failed: " + e.getMessage());
				}
			}
		}
		out.println(failed == 0 ? "wrote results to " + outDir.toAbsolutePath() : failed + " of " + images.size()
			+ " image(s) failed; results of the others are in " + outDir.toAbsolutePath());
		return failed == 0 ? 0 : 1;
	}

	private static Segmenter.Result segmentOne(Path img, int[] channels, Segmenter segmenter,
		PixelClassifier classifier, Path outDir, EnumSet<SegmentationFiles.Output> outputs, boolean overwrite,
		Progress progress, Path weights, ClipModel model, SegmentOptions options, List<String> templates,
		double denoise, org.mvpseg.clip.DenseMode mode) throws IOException
	{
		ImagePlus imp = IJ.openImage(img.toString());
		if (imp == null) throw new IOException("cannot read " + img.getFileName() + " as an image (supported: TIFF, "
			+ "PNG, JPEG, BMP, GIF)");
		if (imp.getNSlices() * imp.getNFrames() > 1) throw new IllegalArgumentException(img.getFileName() + " has "
			+ imp.getNSlices() + " slices and " + imp.getNFrames() + " frames; the command line segments 2-D images "
			+ "(use Fiji's Segment by Name, which segments every plane).");
		ClipInput input = ClipInput.of(new ImagePlusSource(imp, 1, 1), channels, 0.5, 99.5);
		String name = baseName(img);
		Map<String, Object> extra = new LinkedHashMap<>();
		extra.put("image", img.toAbsolutePath().toString());
		extra.put("dense_mode", mode.label());
		extra.put("model", Map.of("weights", weights.toAbsolutePath().toString(), "architecture", model.config()
			.describe()));
		if (classifier instanceof MvpClassifier) extra.put("prompts", "learned (MVP-SEG)");
		else {
			extra.put("templates", templates.size() == 1 ? templates.get(0) : templates.size() + " (MaskCLIP ensemble)");
			extra.put("prompt_denoising", denoise);
		}
		String provenance = "MVP-SEG zero-shot segmentation of " + img.getFileName() + "\nmodel: " + weights
			.getFileName() + " (" + model.config().describe() + ")\nclasses: " + String.join(", ", classifier
				.classNames()) + "\n" + classifier.describe() + "\ndense features: " + mode.label() + "\nscaling: " + input
				.scalingDescription();
		try (SegmentationFiles files = new SegmentationFiles(outDir, name, outputs, classifier.classNames(), input
			.width(), input.height(), input.source().calibration(), overwrite, provenance))
		{
			if (classifier instanceof MvpClassifier m) m.resetPresence();
			Segmenter.Result r = segmenter.run(input, classifier, files, progress);
			if (classifier instanceof MvpClassifier m) {
				// GPR's g_c: the image-level presence of each class (highest and mean over windows)
				Map<String, Object> presence = new LinkedHashMap<>();
				double[] max = m.presence(), mean = m.meanPresence();
				for (int c = 0; c < max.length; c++) presence.put(m.classNames().get(c), Map.of("max", max[c], "mean",
					mean[c]));
				extra.put("gpr_presence", presence);
			}
			files.writeSummary(r, extra);
			return r;
		}
	}

	static String baseName(Path p) {
		String n = p.getFileName().toString();
		int dot = n.lastIndexOf('.');
		return dot > 0 ? n.substring(0, dot) : n;
	}

	private static int[] oneBased(int[] c) {
		int[] z = new int[c.length];
		for (int i = 0; i < c.length; i++) {
			if (c[i] < 1) throw new Args.UsageException("--channels counts from 1");
			z[i] = c[i] - 1;
		}
		return z;
	}

	static List<Path> collect(List<String> args) throws IOException {
		List<Path> out = new ArrayList<>();
		for (String s : args) {
			Path p = Path.of(s);
			if (Files.isDirectory(p)) {
				try (Stream<Path> st = Files.list(p)) {
					st.filter(Files::isRegularFile).filter(f -> IMAGE_SUFFIXES.stream().anyMatch(x -> f.getFileName()
						.toString().toLowerCase(Locale.ROOT).endsWith(x))).sorted().forEach(out::add);
				}
			}
			else if (Files.isRegularFile(p)) out.add(p);
			else throw new java.nio.file.NoSuchFileException(s);
		}
		if (out.isEmpty()) throw new IllegalArgumentException("No images found in " + args + " (looked for "
			+ IMAGE_SUFFIXES + ").");
		return out;
	}
}
