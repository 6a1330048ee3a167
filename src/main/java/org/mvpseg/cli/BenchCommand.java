package org.mvpseg.cli;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import org.mvpseg.clip.ClipModel;
import org.mvpseg.runtime.Memory;
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
		return "bench --weights FILE [--size 224,448] [--batch N] [--prompts N] [--repeat R] [--warmup W] "
			+ "[--reference GRAPH.pt --reference-kind image|dense] [--e2e WIDTHxHEIGHT [--e2e-repeat R]] "
			+ "[--train-step [--train-classes 15] [--crop 448] [--train-batch 4] [--k 3] [--m 16]]";
	}

	@Override
	public int run(String[] argv, PrintStream out) throws Exception {
		Args a = new Args(argv, 1, Set.of("weights", "size", "batch", "prompts", "repeat", "warmup", "reference",
			"reference-kind", "e2e", "e2e-repeat", "e2e-batches", "train-classes", "crop", "train-batch", "k", "m"), Set.of("train-step"));
		Path weights = a.path("weights");
		int[] sizes = a.integers("size", "224,448");
		int batch = a.integer("batch", 1, 1), prompts = a.integer("prompts", 20, 1);
		int repeat = a.integer("repeat", 10, 1), warmup = a.integer("warmup", 2, 0);
		String kind = a.get("reference-kind", "image");
		if (!kind.equals("image") && !kind.equals("dense")) throw new Args.UsageException(
			"--reference-kind is image or dense");
		out.println("engine: " + Torch.describe() + ", " + Runtime.getRuntime().availableProcessors() + " CPUs");
		try (NDManager root = Torch.newManager()) {
			long t0 = System.nanoTime();
			ClipModel model = ClipModel.load(weights, root);
			out.printf("model: %s (loaded in %.2f s, resident %s)%n", model.config().describe(),
				(System.nanoTime() - t0) / 1e9, Memory.mib(Memory.residentBytes()));
			Model reference = null;
			if (a.has("reference")) {
				reference = Model.newInstance("reference", root.getDevice(), "PyTorch");
				reference.load(a.path("reference"));
				out.println("reference: " + a.get("reference", "") + " (" + kind + ")");
			}
			String[] texts = new String[prompts];
			for (int i = 0; i < prompts; i++) texts[i] = "a photo of a structure number " + i + ".";
			double[] text = time(warmup, repeat, () -> {
				try (NDManager m = root.newSubManager()) {
					model.encodeText(m, texts);
				}
			});
			report(out, "text  " + prompts + " prompts", text);
			StringBuilder ratios = new StringBuilder();
			for (int size : sizes) {
				int s = size - size % model.config().cellSize();
				try (NDManager m = root.newSubManager()) {
					m.getEngine().setRandomSeed(42);
					NDArray x = m.randomNormal(new Shape(batch, 3, s, s));
					Function<NDArray, NDArray> image = model::encodeImage;
					boolean imageOk = model.config().vit() || s == model.config().imageResolution();
					if (imageOk) report(out, "image " + batch + "x" + s + "²", time(warmup, repeat, () -> run(m, image, x)));
					report(out, "dense " + batch + "x" + s + "²", time(warmup, repeat, () -> run(m, model::denseFeatures, x)));
					if (reference != null) {
						Function<NDArray, NDArray> ours = kind.equals("image") ? image : model::denseFeatures;
						Model ref = reference;
						Function<NDArray, NDArray> theirs = in -> ref.getBlock().forward(new ParameterStore(m, false),
							new NDList(in), false).singletonOrThrow();
						double diff = maxAbsDiff(m, ours, theirs, x);
						double[][] both = interleaved(warmup, repeat, () -> run(m, ours, x), () -> run(m, theirs, x));
						report(out, "ours      " + kind + " " + s + "²", both[0]);
						report(out, "reference " + kind + " " + s + "²", both[1]);
						out.printf("reference max abs difference of outputs: %.2e%n", diff);
						ratios.append(String.format("ratio %s %d %.3f%n", kind, s, median(both[0]) / median(both[1])));
					}
				}
			}
			if (a.has("e2e")) endToEnd(out, model, root, a.get("e2e", ""), a.integer("e2e-repeat", 1, 1), a.integers(
				"e2e-batches", "0,1"));
			if (a.has("train-step")) trainStep(out, model, a.integer("train-classes", 15, 1), a.integer("crop", 448, 16),
				a.integer("train-batch", 4, 1), a.integer("k", 3, 1), a.integer("m", 16, 1), repeat);
			out.println("peak resident memory: " + Memory.mib(Memory.peakResidentBytes()));
			out.print(ratios);
			model.close();
			if (reference != null) reference.close();
		}
		return 0;
	}

	/**
	 * Seconds per megapixel of the whole zero-shot pipeline (windows, forward passes, upsampling,
	 * averaging, probabilities) at the default window/stride and at stride = window, with batching
	 * on (automatic) and off (one window per forward pass).
	 */
	private static void endToEnd(PrintStream out, ClipModel model, NDManager root, String size, int repeat,
		int[] batches) throws java.io.IOException
	{
		String[] wh = size.toLowerCase(java.util.Locale.ROOT).split("x");
		if (wh.length != 2) throw new Args.UsageException("--e2e takes WIDTHxHEIGHT, e.g. 1024x768");
		int w = Integer.parseInt(wh[0].trim()), h = Integer.parseInt(wh[1].trim());
		java.util.Random rnd = new java.util.Random(1);
		int[] rgb = new int[w * h];
		for (int i = 0; i < rgb.length; i++) rgb[i] = ((i % w) / 50 % 2 == 0 ? 0x804020 : 0x2080c0) ^ rnd.nextInt(64);
		var input = org.mvpseg.image.ClipInput.of(org.mvpseg.image.ArrayImage.ofRgb(w, h,
			org.mvpseg.image.ImageSource.Calibration.NONE, rgb));
		var classes = java.util.List.of("cell", "nucleus", "membrane", "background", "debris");
		int win = model.config().imageResolution();
		try (var cls = new org.mvpseg.segment.ZeroShotClassifier(model, "bench", classes,
			org.mvpseg.segment.Templates.single("a photo of a {}."), 0, root, org.mvpseg.runtime.Progress.NONE))
		{
			double mp = w * (double) h / 1e6;
			for (int stride : new int[] { win / 2, win }) {
				double base = Double.NaN;
				for (int batch : batches) {
					var o = org.mvpseg.segment.SegmentOptions.defaults().withWindow(win, stride).withBatch(batch);
					var seg = org.mvpseg.segment.Segmenter.of(model, root, o);
					double[] t = new double[repeat];
					org.mvpseg.segment.Segmenter.Result last = null;
					for (int i = 0; i < repeat; i++) {
						last = seg.run(input, cls, (y0, n, width, p, l) -> {}, org.mvpseg.runtime.Progress.NONE);
						t[i] = last.seconds();
					}
					double sPerMp = median(t) / mp;
					if (batch == 1) base = sPerMp;
					out.printf(java.util.Locale.ROOT, "e2e %dx%d stride=%-4s batch %-5s %6.2f s/MP  (%d windows, %d passes "
						+ "of up to %d)%s%n", w, h, stride == win ? "win" : "win/2", batch == 0 ? "auto" : Integer.toString(
							batch), sPerMp, last.windows(), last.forwardPasses(), last.batchSize(), batch != 1 && !Double
								.isNaN(base) ? String.format(java.util.Locale.ROOT, "  gain over batch 1: %.2fx", base
									/ sPerMp) : "");
				}
			}
		}
	}

	/**
	 * One MVP-SEG training step, split into its parts: dense features of the crops (no gradients),
	 * the (K+1)·C prompt sentences through the text tower, head and losses, and the backward pass.
	 */
	private static void trainStep(PrintStream out, ClipModel model, int classes, int crop, int batch, int k, int m,
		int repeat)
	{
		int cell = model.config().cellSize();
		crop -= crop % cell;
		int[][] tokens = new int[classes][];
		for (int c = 0; c < classes; c++) tokens[c] = org.mvpseg.clip.ClipTokenizer.get().encode("structure " + c);
		java.util.Random rnd = new java.util.Random(0);
		double[][] t = new double[5][repeat];
		for (int r = 0; r < repeat + 1; r++) {
			try (NDManager mm = org.mvpseg.runtime.Torch.newManager()) {
				float[] px = new float[batch * 3 * crop * crop];
				for (int i = 0; i < px.length; i++) px[i] = (float) rnd.nextGaussian();
				int[] labels = new int[batch * crop * crop];
				for (int i = 0; i < labels.length; i++) labels[i] = (i / 997) % classes;
				long t0 = System.nanoTime();
				boolean prev = org.mvpseg.runtime.Torch.setGradMode(false);
				NDArray features = model.denseFeatures(org.mvpseg.clip.Nn.owned(mm.create(px, new Shape(batch, 3, crop,
					crop))));
				features.toFloatArray();
				org.mvpseg.runtime.Torch.setGradMode(prev);
				long t1 = System.nanoTime();
				NDArray ctx = org.mvpseg.clip.Nn.owned(mm.randomNormal(0, 0.02f, new Shape(k + 1, m, model.config()
					.textWidth()), ai.djl.ndarray.types.DataType.FLOAT32));
				NDArray tau1 = org.mvpseg.clip.Nn.owned(mm.create(new float[] { (float) Math.log(100.0 / k) }));
				NDArray tau2 = org.mvpseg.clip.Nn.owned(mm.create(new float[] { 0.07f }));
				for (NDArray x : new NDArray[] { ctx, tau1, tau2 }) x.setRequiresGradient(true);
				long t2, t3, t4;
				try (var gc = ai.djl.engine.Engine.getInstance().newGradientCollector()) {
					NDArray text = org.mvpseg.mvp.MvpHead.textFeatures(model, ctx, tokens);
					text.toFloatArray();
					t2 = System.nanoTime();
					var terms = org.mvpseg.mvp.MvpLosses.Terms.compute(features, text, ctx, tau1, tau2, null, 100, labels,
						crop, crop, 1, 1, 1);
					terms.total().toFloatArray();
					t3 = System.nanoTime();
					gc.backward(terms.total());
					ctx.getGradient().toFloatArray();
					t4 = System.nanoTime();
				}
				if (r == 0) continue; // warm-up
				t[0][r - 1] = (t1 - t0) / 1e6;
				t[1][r - 1] = (t2 - t1) / 1e6;
				t[2][r - 1] = (t3 - t2) / 1e6;
				t[3][r - 1] = (t4 - t3) / 1e6;
				t[4][r - 1] = (t4 - t0) / 1e6;
			}
		}
		out.printf("train step: K=%d M=%d, %d classes (%d sentences), batch %d of %d² crops%n", k, m, classes, (k + 1)
			* classes, batch, crop);
		report(out, "  image features (no grad)", t[0]);
		report(out, "  text tower forward", t[1]);
		report(out, "  head + losses forward", t[2]);
		report(out, "  backward (text tower)", t[3]);
		report(out, "  whole step", t[4]);
		// What skipping the positions after EOT saves: the same sentences padded to all 77 positions.
		int[][] full = new int[classes][];
		for (int c = 0; c < classes; c++) {
			full[c] = new int[77 - 3 - m];
			java.util.Arrays.fill(full[c], 269);
		}
		double[] tf = new double[repeat];
		for (int r = 0; r < repeat; r++) {
			try (NDManager mm = org.mvpseg.runtime.Torch.newManager()) {
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
		report(out, "  text fwd+bwd at 77 positions", tf);
		out.printf(java.util.Locale.ROOT, "text fwd+bwd speed-up from stopping at the last EOT: %.2fx%n", median(tf)
			/ (median(t[1]) + median(t[3])));
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
