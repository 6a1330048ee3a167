package org.mvpseg.cli;

import org.mvpseg.batch.FileSegmentation;
import org.mvpseg.features.FeatureFile;
import org.mvpseg.image.ClipInput;
import org.mvpseg.imagej.ImageFiles;
import org.mvpseg.io.SegmentationFiles;
import org.mvpseg.objects.ObjectOptions;
import org.mvpseg.pipeline.Pipeline;
import org.mvpseg.segment.Templates;
import org.mvpseg.pipeline.Prepared;
import org.mvpseg.pipeline.SegmentOption;
import org.mvpseg.pipeline.SegmentOption.Group;
import org.mvpseg.pipeline.SegmentRequest;
import org.mvpseg.runtime.Progress;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** {@code segment}: label image, probabilities and summary for each image, by class names. */
final class SegmentCommand implements Main.Subcommand {

	/** The options that shape the segmentation itself (pipeline.SegmentOption's table), shared with {@code spark}. */
	static final Set<SegmentOption> REQUEST_OPTIONS = java.util.Collections.unmodifiableSet(EnumSet.allOf(
		SegmentOption.class));

	/** How segment and spark choose the method: learned prompts (with their switches) or a student; else zero-shot. */
	static final String METHOD_USAGE = "[--prompts FILE | --student FILE] [--no-gpr | --drop-absent]";

	/** Where image features are kept and how (docs/features.md); shared with {@code spark}. */
	static final Set<String> FEATURE_OPTIONS = Set.of("features", "features-precision");

	/** Which classes are split into objects and how (docs/file-formats.md › Objects); shared with {@code spark}. */
	static final Set<String> OBJECT_OPTIONS = Set.of("objects", "connectivity", "min-size");
	static final String OBJECT_USAGE = "[--objects \"a, b\"|all [--connectivity 8|4] [--min-size PIXELS]]";

	@Override
	public String usage() {
		return "segment IMAGE|FOLDER... --classes \"cat, grass, sky\" " + ModelArgs.USAGE + " " + METHOD_USAGE + " "
			+ SegmentOption.usage(SegmentOption.of(Group.COMMON, Group.ZERO_SHOT)) + " [--out DIR] "
			+ "[--outputs labels,probabilities,summary] [--overwrite] [--features DIR [--features-precision fp32|fp16]] "
			+ OBJECT_USAGE;
	}

	@Override
	public int run(String[] argv, PrintStream out) throws Exception {
		Set<String> valued = valued(REQUEST_OPTIONS, "classes", "out", "outputs");
		valued.addAll(FEATURE_OPTIONS);
		valued.addAll(OBJECT_OPTIONS);
		Args a = new Args(argv, 1, valued, switches(REQUEST_OPTIONS, "overwrite"));
		if (a.positional.isEmpty()) throw new Args.UsageException("give at least one image or folder");
		SegmentRequest request = request(a);
		EnumSet<SegmentationFiles.Output> outputs = SegmentationFiles.Output.parse(a.get("outputs",
			"labels,probabilities,summary"));
		List<Path> images = ImageFiles.collect(a.positional);
		requireDistinctNames(images);
		FileSegmentation.Target target = target(a, Path.of(a.get("out", "mvpseg-results")), outputs);
		Progress progress = new ConsoleProgress(System.err);
		try (Prepared p = Pipeline.prepare(request, progress)) {
			out.println("model: " + p.resolved().weights() + " on " + p.resolved().device());
			out.println("classes: " + String.join(", ", p.classNames()) + " (" + p.resolved().classifier()
				+ "; dense features: " + p.resolved().denseMode().label() + ")");
			for (String note : p.resolved().notes()) out.println("  " + note);
			if (target.objects() != null) out.println("objects: " + target.objects().describe());
			int failed = 0;
			for (int i = 0; i < images.size(); i++) {
				out.printf("[%d/%d] %s%n", i + 1, images.size(), images.get(i));
				if (!segmentOne(images.get(i), p, target, progress, out)) failed++;
			}
			Path dir = target.dir().toAbsolutePath();
			if (failed == 0) out.println("wrote results to " + dir);
			else if (failed < images.size()) out.println(failed + " of " + images.size() + " image(s) failed; results "
				+ "of the others are in " + dir);
			else out.println(images.size() == 1 ? "the image failed; nothing was written" : "all " + images.size()
				+ " images failed; nothing was written");
			return failed == 0 ? 0 : 1;
		}
	}

	/**
	 * Refuses, before any work, images whose outputs would have the same names ({@code a/x.png} and {@code b/x.png},
	 * or {@code x.png} and {@code x.tif}, both write {@code x.labels.tif}): one set would replace the other.
	 */
	static void requireDistinctNames(List<Path> images) {
		java.util.Map<String, Path> seen = new java.util.HashMap<>();
		List<String> clashes = new java.util.ArrayList<>();
		for (Path img : images) {
			Path other = seen.putIfAbsent(ImageFiles.baseName(img), img);
			if (other != null && !other.toAbsolutePath().normalize().equals(img.toAbsolutePath().normalize())) clashes.add(
				other + " and " + img);
		}
		if (!clashes.isEmpty()) throw new Args.UsageException("these images would write outputs of the same names ("
			+ "NAME.labels.tif, …), one replacing the other: " + String.join("; ", clashes.subList(0, Math.min(5, clashes
				.size()))) + (clashes.size() > 5 ? " and " + (clashes.size() - 5) + " more" : "") + ". Segment them into "
			+ "different --out folders, or rename one.");
	}

	/** The request from every segmentation option given and {@code --classes}. */
	static SegmentRequest request(Args a) {
		return options(a, REQUEST_OPTIONS).classes(a.require("classes")).build();
	}

	/** The model's options, those among {@code which} that take a value, and {@code more}: the first set Args takes. */
	static Set<String> valued(Set<SegmentOption> which, String... more) {
		Set<String> s = new java.util.HashSet<>(ModelArgs.OPTIONS);
		s.addAll(SegmentOption.flags(which, false));
		s.addAll(List.of(more));
		return s;
	}

	/** The switches among {@code which}, and {@code more}: the second set Args takes. */
	static Set<String> switches(Set<SegmentOption> which, String... more) {
		Set<String> s = new java.util.HashSet<>(SegmentOption.flags(which, true));
		s.addAll(List.of(more));
		return s;
	}

	/**
	 * The model and device, and those of {@code which} that were given, each through its row of the option table.
	 * Numbers are checked here first, so that a mistake reads as the command line's ("--window must be a whole
	 * number, got 'x'").
	 */
	static SegmentRequest.Builder options(Args a, Set<SegmentOption> which) {
		java.util.Map<SegmentOption, String> values = new java.util.EnumMap<>(SegmentOption.class);
		for (SegmentOption o : which) if (a.has(o.flag())) values.put(o, switch (o.form()) {
			case WHOLE -> String.valueOf(a.integer(o.flag(), 0, 0));
			case NUMBER -> String.valueOf(a.decimal(o.flag(), 0));
			case FLAG, TEXT, FILE -> a.get(o.flag(), null);
		});
		return SegmentOption.apply(SegmentRequest.builder().model(ModelArgs.choice(a)).device(a.get("device", null)),
			values);
	}

	/** Whether any option of {@code which} was given. */
	static boolean anyGiven(Args a, Set<SegmentOption> which) {
		return which.stream().anyMatch(o -> a.has(o.flag()));
	}

	/**
	 * Where and what to write, from the command's options: the outputs into {@code dir}, features where {@code
	 * --features} says, objects as {@code --objects} says.
	 */
	static FileSegmentation.Target target(Args a, Path dir, EnumSet<SegmentationFiles.Output> outputs) {
		Path features = a.has("features") ? Path.of(a.get("features", null)) : null;
		if (features != null && java.nio.file.Files.exists(features) && !java.nio.file.Files.isDirectory(features))
			throw new Args.UsageException("--features names a folder where image features are kept; " + features
				+ " is a file");
		if (features == null && a.has("features-precision")) throw new Args.UsageException("--features-precision "
			+ "needs --features DIR");
		FeatureFile.Precision precision;
		try {
			precision = FeatureFile.Precision.parse(a.get("features-precision", "fp32"));
		}
		catch (IllegalArgumentException e) {
			throw new Args.UsageException("--features-precision: " + e.getMessage());
		}
		return new FileSegmentation.Target(dir, outputs, a.has("overwrite"), features, precision, objects(a));
	}

	/**
	 * {@code --objects} and its settings, checked against {@code --classes} before any model loads; null without
	 * it. Connectivity or a minimum size without {@code --objects} would do nothing, so they are refused.
	 */
	static ObjectOptions objects(Args a) {
		if (!a.has("objects")) {
			for (String o : List.of("connectivity", "min-size")) if (a.has(o)) throw new Args.UsageException("--" + o
				+ " shapes the objects of --objects: add --objects \"CLASS, …\" or --objects all, or leave --" + o
				+ " out");
			return null;
		}
		ObjectOptions o = ObjectOptions.parse(a.get("objects", ""), a.get("connectivity", null), a.get("min-size",
			null));
		o.chosen(Templates.parseClassNames(a.require("classes")));
		return o;
	}

	/** Segments one image and writes its set of outputs; false (with the reason printed) when it failed. */
	private static boolean segmentOne(Path img, Prepared p, FileSegmentation.Target target, Progress progress,
		PrintStream out)
	{
		try {
			FileSegmentation.Outcome o = FileSegmentation.segment(img, p, target, progress);
			report(o.result().result(), o.input(), out);
			if (o.objects() != null) out.println("  objects: " + target.objects().describeCounts(p.classNames(), o
				.objects().counts(), o.objects().dropped()));
			if (o.note() != null) out.println("  " + o.note());
			return true;
		}
		catch (IOException | IllegalArgumentException e) {
			out.println("  failed: " + Main.message(e));
			return false;
		}
		catch (java.io.UncheckedIOException e) { // a file that breaks while read by rectangles
			out.println("  failed: " + img.getFileName() + ": " + e.getCause().getMessage());
			return false;
		}
	}

	private static void report(org.mvpseg.segment.Segmenter.Result r, ClipInput input, PrintStream out) {
		StringBuilder sb = new StringBuilder();
		long total = (long) r.width() * r.height();
		for (int c = 0; c < r.classes().size(); c++) sb.append(c == 0 ? "" : ", ").append(String.format(Locale.ROOT,
			"%s %.1f%%", r.classes().get(c), 100.0 * r.pixelCounts()[c] / total));
		out.printf(Locale.ROOT, "  done in %.1f s (%d windows, %d forward passes): %s%n", r.seconds(), r.windows(), r
			.forwardPasses(), sb);
		if (r.nonFinite() > 0) out.println("  note: " + r.nonFinite() + " NaN/infinite values were left out of the "
			+ "intensity scaling and shown as the mean colour");
		if (total > Integer.MAX_VALUE) out.println("  note: " + total + " pixels, beyond ImageJ 1.x's 2^31: the label "
			+ "image is a valid TIFF (a BigTIFF above 4 GiB) that Bio-Formats, QuPath or tifffile read, but ImageJ 1.x "
			+ "cannot open it");
		if (!input.unusedChannels().isEmpty()) out.println("  note: channel(s) " + input.unusedChannels() + " of "
			+ input.source().channels() + " were not used; choose channels with --channels");
	}
}
