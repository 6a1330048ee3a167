package org.mvpseg.cli;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import org.mvpseg.clip.ClipModel;
import org.mvpseg.mvp.PromptSet;
import org.mvpseg.mvp.TrainingStep;
import org.mvpseg.runtime.Memory;
import java.util.List;
import org.mvpseg.runtime.Torch;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.function.Function;

/**
 * {@code bench}: times encode_image, MaskCLIP dense features and prompt encoding; optionally runs a
 * TorchScript graph of the same computation on the same inputs, interleaved with ours so machine
 * noise hits both alike, and prints the ratio ours / reference.
 */
final class BenchCommand implements Main.Subcommand {

	@Override
	public String usage() {
		return "bench --weights FILE [--device auto|cpu|gpu|gpu:N] [--precisions fp32,fp16] [--size 224,448] [--batch N] "
			+ "[--batches 1,8,32] [--prompts N] [--repeat R] [--warmup W] "
			+ "[--reference GRAPH.pt --reference-kind image|dense] [--e2e WIDTHxHEIGHT [--e2e-repeat R] [--e2e-batches 0,1] [--e2e-pamr]] "
			+ "[--train-step [--train-classes 15] [--crop 448] [--train-batch 4] [--k 3] [--m 16]] "
			+ "[--student-step [--student-images 4] [--student-size 448]] [--text-names N (class names only)]";
	}

	/** What to measure, from the command line. */
	private record Settings(int[] sizes, int[] batches, int prompts, int repeat, int warmup, Path reference,
		String kind) {}

	@Override
	public int run(String[] argv, PrintStream out) throws Exception {
		Args a = new Args(argv, 1, Set.of("weights", "size", "batch", "batches", "prompts", "repeat", "warmup",
			"reference", "reference-kind", "e2e", "e2e-repeat", "e2e-batches", "train-classes", "crop", "train-batch", "k",
			"m", "student-images", "student-size", "device", "precisions", "text-names"), Set.of("train-step", "e2e-pamr",
				"student-step"));
		Path weights = a.path("weights");
		int batch = a.integer("batch", 1, 1);
		Settings s = new Settings(a.integers("size", "224,448"), a.integers("batches", String.valueOf(batch)), a.integer(
			"prompts", 20, 1), a.integer("repeat", 10, 1), a.integer("warmup", 2, 0), a.has("reference") ? a.path(
				"reference") : null, a.get("reference-kind", "image"));
		if (!s.kind().equals("image") && !s.kind().equals("dense")) throw new Args.UsageException(
			"--reference-kind is image or dense");
		List<ai.djl.ndarray.types.DataType> precisions = precisions(a.get("precisions", "fp32"));
		Torch.select(org.mvpseg.runtime.DeviceChoice.parse(a.get("device", null)));
		out.println("engine: " + Torch.describe() + ", " + Runtime.getRuntime().availableProcessors() + " CPUs");
		if (a.has("text-names")) return textNames(out, weights, a.integer("text-names", 16, 1), s.repeat(), s.warmup());
		try (NDManager root = Torch.newManager()) {
			StringBuilder ratios = new StringBuilder();
			for (ai.djl.ndarray.types.DataType dtype : precisions) {
				long t0 = System.nanoTime();
				ClipModel model = ClipModel.load(weights, root, dtype);
				out.printf("model: %s, %s (loaded in %.2f s, resident %s)%n", model.config().describe(), label(dtype),
					(System.nanoTime() - t0) / 1e9, Memory.mib(Memory.residentBytes()));
				Model reference = s.reference() == null ? null : reference(s, root, out);
				text(out, model, root, s);
				for (int size : s.sizes()) ratios.append(size(out, model, root, reference, s, size));
				if (a.has("e2e")) endToEnd(out, model, root, a.get("e2e", ""), a.integer("e2e-repeat", 1, 1), a.integers(
					"e2e-batches", "0,1"), a.has("e2e-pamr"));
				model.close();
				if (reference != null) reference.close();
			}
			if (precisions.size() > 1) halfAgainstFull(out, weights, root, s.sizes());
			if (a.has("train-step")) try (ClipModel model = ClipModel.load(weights, root)) {
				trainStep(out, model, a.integer("train-classes", 15, 1), a.integer("crop", 448, 16), a.integer(
					"train-batch", 4, 1), a.integer("k", 3, 1), a.integer("m", 16, 1), s.repeat());
			}
			if (a.has("student-step")) studentStep(out, weights, a.integer("student-images", 4, 1), a.integer(
				"student-size", 448, 16), s.repeat());
			out.println("peak resident memory: " + Memory.mib(Memory.peakResidentBytes()));
			out.print(ratios);
		}
		return 0;
	}

	private static List<ai.djl.ndarray.types.DataType> precisions(String text) {
		List<ai.djl.ndarray.types.DataType> out = new java.util.ArrayList<>();
		for (String p : text.split(",")) out.add(switch (p.strip()) {
			case "fp32" -> ai.djl.ndarray.types.DataType.FLOAT32;
			case "fp16" -> ai.djl.ndarray.types.DataType.FLOAT16;
			default -> throw new Args.UsageException("--precisions takes fp32 and/or fp16, e.g. fp32,fp16");
		});
		return out;
	}

	private static String label(ai.djl.ndarray.types.DataType dtype) {
		return dtype == ai.djl.ndarray.types.DataType.FLOAT16 ? "fp16" : "fp32";
	}

	/**
	 * fp16 against fp32 on the same random input: dense features' largest difference relative to their largest
	 * value, and the mean cosine similarity of the feature vectors (what the classifiers compare).
	 */
	private static void halfAgainstFull(PrintStream out, Path weights, NDManager root, int[] sizes)
		throws java.io.IOException
	{
		try (ClipModel full = ClipModel.load(weights, root); ClipModel half = ClipModel.load(weights, root,
			ai.djl.ndarray.types.DataType.FLOAT16))
		{
			for (int size : sizes) {
				int s = size - size % full.config().cellSize();
				try (NDManager m = root.newSubManager()) {
					m.getEngine().setRandomSeed(42);
					NDArray x = m.randomNormal(new Shape(1, 3, s, s));
					NDArray a = full.denseFeatures(x), b = half.denseFeatures(x);
					double rel = a.sub(b).abs().max().getFloat() / a.abs().max().getFloat();
					NDArray cos = a.mul(b).sum(new int[] { -1 }).div(a.norm(new int[] { -1 }).mul(b.norm(new int[] { -1 })));
					out.printf(java.util.Locale.ROOT, "fp16 vs fp32 dense %d²: max abs difference %.2e of the largest value, "
						+ "mean cosine %.6f, lowest %.6f%n", s, rel, cos.mean().getFloat(), cos.min().getFloat());
				}
			}
		}
	}

	private static Model reference(Settings s, NDManager root, PrintStream out) throws Exception {
		Model reference = Model.newInstance("reference", root.getDevice(), "PyTorch");
		reference.load(s.reference());
		out.println("reference: " + s.reference() + " (" + s.kind() + ")");
		return reference;
	}

	private static void text(PrintStream out, ClipModel model, NDManager root, Settings s) {
		String[] texts = new String[s.prompts()];
		for (int i = 0; i < texts.length; i++) texts[i] = "a photo of a structure number " + i + ".";
		report(out, "text  " + texts.length + " prompts", time(s.warmup(), s.repeat(), () -> {
			try (NDManager m = root.newSubManager()) {
				model.encodeText(m, texts);
			}
		}));
	}

	/**
	 * Class names (issue 26): ms per new name for the 85-template ensemble and for one template, computed in full
	 * (each name's sentences through the whole text tower, as before prefix reuse) and with each template's prefix
	 * reused, for one new name at a time and for {@code n} together; and for names seen before (the cache). Full and
	 * reuse alternate run by run, in one process; each run takes names never seen before.
	 */
	private static int textNames(PrintStream out, Path weights, int n, int repeat, int warmup) throws Exception {
		try (NDManager root = Torch.newManager(); ClipModel model = ClipModel.load(weights, root)) {
			out.println("model: " + model.config().describe());
			NameSource fresh = new NameSource();
			for (List<String> templates : List.of(org.mvpseg.segment.Templates.ensemble(), org.mvpseg.segment.Templates
				.single("a photo of a {}.")))
			{
				out.println(templates.size() + " template(s): " + prefixSummary(templates));
				fullEmbeddings(model, templates, fresh.next(1), 1); // warm: the first text pass of a process is slow
				long t0 = System.nanoTime();
				model.textEmbeddings().of(templates, fresh.next(1), null, d -> {});
				out.printf(java.util.Locale.ROOT, "  first new name, the templates' prefixes computed on the way (once per model): %.1f ms%n",
					(System.nanoTime() - t0) / 1e6);
				for (int batch : n == 1 ? new int[] { 1 } : new int[] { 1, n }) textNameRuns(out, model, templates, batch,
					repeat, warmup, fresh);
			}
			out.println("sentences computed in full (their tokens do not begin with the template's prefix): " + model
				.textSentencesInFull());
		}
		return 0;
	}

	/**
	 * One template list, {@code batch} new names a run, ms per name: computed in full as before (one encode_text call
	 * per name), in full with all names in one call, with prefix reuse, and seen before; the ratios of the same runs.
	 */
	private static void textNameRuns(PrintStream out, ClipModel model, List<String> templates, int batch, int repeat,
		int warmup, NameSource fresh)
	{
		double[][] t = new double[4][repeat];
		double diff = 0;
		for (int r = -warmup; r < repeat; r++) {
			List<String> names = fresh.next(batch);
			long t0 = System.nanoTime();
			float[][] full = fullEmbeddings(model, templates, names, 1);
			long t1 = System.nanoTime();
			if (batch > 1) fullEmbeddings(model, templates, names, batch);
			long t2 = System.nanoTime();
			float[][] reused = model.textEmbeddings().of(templates, names, null, d -> {});
			long t3 = System.nanoTime();
			model.textEmbeddings().of(templates, names, null, d -> {});
			long t4 = System.nanoTime();
			for (int c = 0; c < batch; c++) for (int i = 0; i < full[c].length; i++) diff = Math.max(diff, Math.abs(
				full[c][i] - reused[c][i]));
			if (r < 0) continue;
			long[] at = { t0, t1, t2, t3, t4 };
			for (int k = 0; k < 4; k++) t[k][r] = (at[k + 1] - at[k]) / 1e6 / batch;
		}
		String what = batch == 1 ? "1 name" : batch + " names";
		report(out, "  full, " + what, t[0]);
		if (batch > 1) report(out, "  full batched, " + what, t[1]);
		report(out, "  prefix reuse, " + what, t[2]);
		report(out, "  seen before, " + what, t[3]);
		out.printf(java.util.Locale.ROOT, "  per new name, medians of the same runs: full / prefix reuse %.2fx%s; class "
			+ "embeddings' max abs difference %.2e%n", median(t[0]) / median(t[2]), batch > 1 ? String.format(
				java.util.Locale.ROOT, ", full batched / prefix reuse %.2fx", median(t[1]) / median(t[2])) : "", diff);
	}

	/** The class embeddings as computed before prefix reuse: the names' sentences through encode_text, {@code per} names a call. */
	private static float[][] fullEmbeddings(ClipModel model, List<String> templates, List<String> names, int per) {
		float[][] out = new float[names.size()][];
		int tc = templates.size();
		for (int from = 0; from < out.length; from += per) {
			int count = Math.min(per, out.length - from);
			String[] sentences = new String[count * tc];
			for (int c = 0; c < count; c++) for (int i = 0; i < tc; i++) sentences[c * tc + i] = templates.get(i).replace(
				"{}", names.get(from + c));
			try (NDManager m = Torch.newManager()) {
				NDArray f = model.encodeText(m, sentences);
				f = f.div(f.norm(new int[] { 1 }, true)).reshape(count, tc, -1).mean(new int[] { 1 });
				f = f.div(f.norm(new int[] { 1 }, true));
				for (int c = 0; c < count; c++) out[from + c] = f.get(c).toFloatArray();
			}
		}
		return out;
	}

	/** How much of each sentence the prefix covers: the tokens before "{}" (with SOT) and after it (with EOT). */
	private static String prefixSummary(List<String> templates) {
		var tok = org.mvpseg.clip.ClipTokenizer.get();
		int[] before = new int[templates.size()];
		double sumBefore = 0, sumAfter = 0;
		for (int i = 0; i < before.length; i++) {
			String t = templates.get(i);
			int at = t.indexOf("{}");
			before[i] = 1 + tok.encode(t.substring(0, at)).length;
			sumBefore += before[i];
			sumAfter += tok.encode(t.substring(at + 2)).length + 1;
		}
		long shortOnes = Arrays.stream(before).filter(b -> b <= 2).count();
		return String.format(java.util.Locale.ROOT, "prefix %.1f tokens on average (%d to %d; %d of them only SOT and "
			+ "one word), after the name %.1f", sumBefore / before.length, Arrays.stream(before).min().orElse(0), Arrays
				.stream(before).max().orElse(0), shortOnes, sumAfter / before.length);
	}

	/** Class names never used before in this process, two words each, as microscopy classes often are. */
	private static final class NameSource {
		private static final String[] FIRST = { "red", "small", "dense", "bright", "dark", "round", "thin", "large",
			"oval", "faint", "long", "flat" };
		private static final String[] SECOND = { "cell", "nucleus", "membrane", "vesicle", "fibre", "granule", "axon",
			"tissue", "droplet", "crystal", "vessel", "spot" };
		private int next;

		List<String> next(int count) {
			List<String> out = new java.util.ArrayList<>();
			for (int i = 0; i < count; i++, next++) {
				int k = next % (FIRST.length * SECOND.length), round = next / (FIRST.length * SECOND.length);
				out.add(FIRST[k / SECOND.length] + " " + SECOND[k % SECOND.length] + (round > 0 ? " " + round : ""));
			}
			return out;
		}
	}

	/** encode_image and dense features at one size, and against the reference graph; returns the ratio line. */
	private static String size(PrintStream out, ClipModel model, NDManager root, Model reference, Settings st,
		int size)
	{
		int s = size - size % model.config().cellSize();
		Function<NDArray, NDArray> image = model::encodeImage;
		boolean imageOk = model.config().vit() || s == model.config().imageResolution();
		for (int batch : st.batches()) {
			try (NDManager m = root.newSubManager()) {
				m.getEngine().setRandomSeed(42);
				NDArray x = m.randomNormal(new Shape(batch, 3, s, s));
				String shape = batch + "x" + s + "²";
				if (imageOk) report(out, "image " + shape, time(st.warmup(), st.repeat(), () -> run(m, image, x)));
				report(out, "dense " + shape, time(st.warmup(), st.repeat(), () -> run(m, model::denseFeatures, x)));
			}
		}
		if (reference == null) return "";
		try (NDManager m = root.newSubManager()) {
			m.getEngine().setRandomSeed(42);
			NDArray x = m.randomNormal(new Shape(st.batches()[0], 3, s, s));
			Function<NDArray, NDArray> ours = st.kind().equals("image") ? image : model::denseFeatures;
			Function<NDArray, NDArray> theirs = in -> reference.getBlock().forward(new ParameterStore(m, false),
				new NDList(in), false).singletonOrThrow();
			double diff = maxAbsDiff(m, ours, theirs, x);
			double[][] both = interleaved(st.warmup(), st.repeat(), () -> run(m, ours, x), () -> run(m, theirs, x));
			report(out, "ours      " + st.kind() + " " + s + "²", both[0]);
			report(out, "reference " + st.kind() + " " + s + "²", both[1]);
			out.printf("reference max abs difference of outputs: %.2e%n", diff);
			return String.format("ratio %s %d %.3f%n", st.kind(), s, median(both[0]) / median(both[1]));
		}
	}

	/**
	 * Seconds per megapixel of the whole zero-shot pipeline (windows, forward passes, upsampling,
	 * averaging, probabilities) at the default window/stride and at stride = window, with batching
	 * on (automatic) and off (one window per forward pass); and the pipeline's own cost: end-to-end
	 * time over the time of its forward passes, measured in the same run.
	 */
	private static void endToEnd(PrintStream out, ClipModel model, NDManager root, String size, int repeat,
		int[] batches, boolean pamr) throws java.io.IOException
	{
		String[] wh = size.toLowerCase(java.util.Locale.ROOT).split("x");
		if (wh.length != 2) throw new Args.UsageException("--e2e takes WIDTHxHEIGHT, e.g. 1024x768");
		int w = Integer.parseInt(wh[0].trim()), h = Integer.parseInt(wh[1].trim());
		var input = benchImage(w, h);
		var classes = java.util.List.of("cell", "nucleus", "membrane", "background", "debris");
		int win = model.config().imageResolution();
		try (var cls = new org.mvpseg.segment.ZeroShotClassifier(model, classes,
			org.mvpseg.segment.Templates.single("a photo of a {}."), 0, root, org.mvpseg.runtime.Progress.NONE))
		{
			double mp = w * (double) h / 1e6;
			for (int stride : new int[] { win / 2, win }) {
				double base = Double.NaN;
				for (int batch : batches) {
					var o = org.mvpseg.segment.SegmentOptions.defaults().withWindow(win, stride).withBatch(batch);
					var seg = org.mvpseg.segment.Segmenter.of(model, root, o);
					double[] t = new double[repeat], forward = new double[repeat];
					org.mvpseg.segment.Segmenter.Result last = null;
					for (int i = 0; i < repeat; i++) {
						last = seg.run(input, cls, (y0, n, width, p, l) -> {}, org.mvpseg.runtime.Progress.NONE);
						t[i] = last.seconds();
						forward[i] = last.forwardSeconds();
					}
					double sPerMp = median(t) / mp;
					if (batch == 1) base = sPerMp;
					out.printf(java.util.Locale.ROOT, "e2e %dx%d stride=%-4s batch %-5s %6.2f s/MP  (%d windows, %d passes "
						+ "of up to %d; pipeline/forward %.3f)%s%n", w, h, stride == win ? "win" : "win/2", batch == 0 ? "auto"
							: Integer.toString(batch), sPerMp, last.windows(), last.forwardPasses(), last.batchSize(), median(t)
								/ median(forward), batch != 1 && !Double.isNaN(base) ? String.format(java.util.Locale.ROOT,
									"  gain over batch 1: %.2fx", base / sPerMp) : "");
					if (pamr) printPamr(out, model, root, o, input, cls, repeat, sPerMp, mp);
				}
			}
		}
	}

	/** The same run with PAMR on every window: its s/MP and its ratio to the plain run just measured. */
	private static void printPamr(PrintStream out, ClipModel model, NDManager root,
		org.mvpseg.segment.SegmentOptions o, org.mvpseg.image.ClipInput input, org.mvpseg.segment.PixelClassifier cls,
		int repeat, double plainSPerMp, double mp) throws java.io.IOException
	{
		var seg = org.mvpseg.segment.Segmenter.of(model, root, o.withPamr(true));
		double[] t = new double[repeat];
		for (int i = 0; i < repeat; i++) t[i] = seg.run(input, cls, (y0, n, width, p, l) -> {},
			org.mvpseg.runtime.Progress.NONE).seconds();
		out.printf(java.util.Locale.ROOT, "    with PAMR %6.2f s/MP  (PAMR/plain %.2f, same run)%n", median(t) / mp, median(t)
			/ mp / plainSPerMp);
	}

	/** Stripes with noise: a deterministic RGB test image. */
	private static org.mvpseg.image.ClipInput benchImage(int w, int h) {
		java.util.Random rnd = new java.util.Random(1);
		int[] rgb = new int[w * h];
		for (int i = 0; i < rgb.length; i++) rgb[i] = ((i % w) / 50 % 2 == 0 ? 0x804020 : 0x2080c0) ^ rnd.nextInt(64);
		return org.mvpseg.image.ClipInput.of(org.mvpseg.image.ArrayImage.ofRgb(w, h,
			org.mvpseg.image.ImageSource.Calibration.NONE, rgb));
	}

	/**
	 * One MVP-SEG training step, the trainer's own code ({@link TrainingStep}), split into its parts:
	 * dense features of the crops (no gradients), the (K+1)·C prompt sentences through the text
	 * tower, head and losses, and the backward pass.
	 */
	/**
	 * MVP-SEG+: the pseudo-labelling pass (the teacher's labels and the trunk's features of every tile, once per
	 * image) and one student step (batch 8 tiles), with a zero-shot teacher of 5 classes on synthetic images.
	 */
	private static void studentStep(PrintStream out, Path weights, int images, int size, int repeat)
		throws java.io.IOException
	{
		List<String> classes = List.of("cell", "nucleus", "membrane", "background", "debris");
		List<org.mvpseg.student.StudentData.Source> sources = new java.util.ArrayList<>();
		for (int i = 0; i < images; i++) {
			org.mvpseg.image.ImageSource img = benchImage(size, size).source();
			sources.add(new org.mvpseg.student.StudentData.Source("bench" + i, () -> img, null));
		}
		var request = org.mvpseg.pipeline.SegmentRequest.builder().model(weights.toString(), null).classes(classes)
			.template("a photo of a {}.").build();
		java.nio.file.Path out0 = java.nio.file.Files.createTempDirectory("mvpseg-bench").resolve("b.student");
		try (var p = org.mvpseg.pipeline.Pipeline.prepare(request, org.mvpseg.runtime.Progress.NONE)) {
			var cfg = org.mvpseg.student.StudentTrainer.Config.builder().iterations(repeat + 1).teacherIterations(
				repeat + 1).checkpointEvery(1000).build();
			double[] steps = new double[repeat];
			long[] firstStep = { 0 };
			long t0 = System.nanoTime();
			new org.mvpseg.student.StudentTrainer(p.teacher(), cfg).train(sources, classes, out0, false, st -> {
				if (st.iteration() == 1) firstStep[0] = System.nanoTime() - (long) (st.seconds() * 1e9);
				else steps[st.iteration() - 2] = st.seconds() * 1e3;
			}, org.mvpseg.runtime.Progress.NONE);
			double prep = (firstStep[0] - t0) / 1e9;
			int tiles = images * (int) Math.pow(Math.ceil(size / (double) p.teacher().model().config().imageResolution()), 2);
			out.printf(java.util.Locale.ROOT, "student: pseudo-labelling pass %.2f s per %d² image (teacher labels and "
				+ "trunk features of %d tiles in all, once)%n", prep / images, size, tiles);
			report(out, "student step (batch 8 tiles, forward + backward + SGD)", steps);
		}
		finally {
			java.nio.file.Files.deleteIfExists(out0);
		}
	}

	private static void trainStep(PrintStream out, ClipModel model, int classes, int crop, int batch, int k, int m,
		int repeat)
	{
		crop -= crop % model.config().cellSize();
		int[][] tokens = new int[classes][];
		for (int c = 0; c < classes; c++) tokens[c] = org.mvpseg.clip.ClipTokenizer.get().encode("structure " + c);
		PromptSet prompts = PromptSet.initial(k, m, model.config().textWidth(), 0, false);
		java.util.Random rnd = new java.util.Random(0);
		double[][] t = new double[5][repeat];
		for (int r = 0; r < repeat + 1; r++) {
			float[] px = new float[batch * 3 * crop * crop];
			for (int i = 0; i < px.length; i++) px[i] = (float) rnd.nextGaussian();
			int[] labels = new int[batch * crop * crop];
			for (int i = 0; i < labels.length; i++) labels[i] = (i / 997) % classes;
			TrainingStep.Timings g = TrainingStep.compute(model, prompts, tokens, px, labels, batch, crop,
				new TrainingStep.LossWeights(1, 1, 1)).timings();
			if (r == 0) continue; // warm-up
			long[] parts = { g.features(), g.text(), g.losses(), g.backward(), g.total() };
			for (int j = 0; j < 5; j++) t[j][r - 1] = parts[j] / 1e6;
		}
		out.printf("train step: K=%d M=%d, %d classes (%d sentences), batch %d of %d² crops%n", k, m, classes, (k + 1)
			* classes, batch, crop);
		String[] names = { "image features (no grad)", "text tower forward", "head + losses forward",
			"backward (text tower)", "whole step" };
		for (int j = 0; j < 5; j++) report(out, "  " + names[j], t[j]);
		double[] tf = textAt77(model, classes, k, m, repeat);
		report(out, "  text fwd+bwd at 77 positions", tf);
		out.printf(java.util.Locale.ROOT, "text fwd+bwd speed-up from stopping at the last EOT: %.2fx%n", median(tf)
			/ (median(t[1]) + median(t[3])));
	}

	/** What skipping the positions after EOT saves: the same sentences padded to all 77 positions. */
	private static double[] textAt77(ClipModel model, int classes, int k, int m, int repeat) {
		int[][] full = new int[classes][];
		for (int c = 0; c < classes; c++) {
			full[c] = new int[77 - 3 - m];
			java.util.Arrays.fill(full[c], 269);
		}
		double[] tf = new double[repeat];
		for (int r = 0; r < repeat; r++) {
			try (NDManager mm = Torch.newManager()) {
				NDArray ctx = org.mvpseg.clip.Nn.owned(mm.randomNormal(0, 0.02f, new Shape(k + 1, m, model.config()
					.textWidth()), ai.djl.ndarray.types.DataType.FLOAT32));
				ctx.setRequiresGradient(true);
				long t0 = System.nanoTime();
				try (var gc = ai.djl.engine.Engine.getInstance().newGradientCollector()) {
					gc.backward(org.mvpseg.mvp.MvpHead.textFeatures(model, ctx, full).sum());
					ctx.getGradient().toFloatArray();
				}
				tf[r] = (System.nanoTime() - t0) / 1e6;
			}
		}
		return tf;
	}

	private static void run(NDManager parent, Function<NDArray, NDArray> f, NDArray x) {
		try (NDManager m = parent.newSubManager()) {
			x.tempAttach(m);
			f.apply(x).toFloatArray(); // forces the computation, then frees it
		}
	}

	private static double maxAbsDiff(NDManager parent, Function<NDArray, NDArray> a, Function<NDArray, NDArray> b,
		NDArray x)
	{
		try (NDManager m = parent.newSubManager()) {
			x.tempAttach(m);
			NDArray ya = a.apply(x), yb = b.apply(x);
			if (!ya.getShape().equals(yb.getShape())) return Double.NaN;
			return ya.sub(yb).abs().max().getFloat();
		}
	}

	private static double[] time(int warmup, int repeat, Runnable r) {
		for (int i = 0; i < warmup; i++) r.run();
		double[] t = new double[repeat];
		for (int i = 0; i < repeat; i++) {
			long t0 = System.nanoTime();
			r.run();
			t[i] = (System.nanoTime() - t0) / 1e6;
		}
		return t;
	}

	private static double[][] interleaved(int warmup, int repeat, Runnable a, Runnable b) {
		for (int i = 0; i < warmup + 1; i++) {
			a.run();
			b.run();
		}
		double[][] t = new double[2][repeat];
		for (int i = 0; i < repeat; i++) {
			// alternate who goes first, so neither always runs on a warmer cache
			Runnable first = i % 2 == 0 ? a : b, second = i % 2 == 0 ? b : a;
			long t0 = System.nanoTime();
			first.run();
			long t1 = System.nanoTime();
			second.run();
			long t2 = System.nanoTime();
			t[i % 2 == 0 ? 0 : 1][i] = (t1 - t0) / 1e6;
			t[i % 2 == 0 ? 1 : 0][i] = (t2 - t1) / 1e6;
		}
		return t;
	}

	static double median(double[] t) {
		double[] s = t.clone();
		Arrays.sort(s);
		return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
	}

	private static void report(PrintStream out, String what, double[] t) {
		out.printf("%-28s min %8.1f ms  median %8.1f ms  (n=%d)%n", what, Arrays.stream(t).min().orElse(0), median(t),
			t.length);
	}
}
