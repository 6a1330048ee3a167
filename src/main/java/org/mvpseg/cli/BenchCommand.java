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
			+ "[--reference GRAPH.pt --reference-kind image|dense]";
	}

	@Override
	public int run(String[] argv, PrintStream out) throws Exception {
		Args a = new Args(argv, 1, Set.of("weights", "size", "batch", "prompts", "repeat", "warmup", "reference",
			"reference-kind"), Set.of());
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
				int s = size - size % model.config().stride();
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
			out.println("peak resident memory: " + Memory.mib(Memory.peakResidentBytes()));
			out.print(ratios);
			model.close();
			if (reference != null) reference.close();
		}
		return 0;
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
