package org.mvpseg.mvp;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import org.mvpseg.image.ClipInput;
import org.mvpseg.runtime.Progress;
import org.mvpseg.segment.PixelClassifier;
import org.mvpseg.segment.Segmenter;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The zero-shot protocol's metrics (docs/formulas.md §5): predict over seen + unseen classes, build one
 * dataset-wide confusion matrix, IoU per class = TP / (TP + FP + FN), mIoU over seen and over
 * unseen classes (classes absent from both ground truth and prediction are left out), and
 * hIoU = 2·S·U / (S + U).
 */
public final class Evaluation {

	private final List<String> classes;
	private final int seenCount;
	private final long[][] confusion; // [ground truth][prediction]
	/** GPR's g_c (highest and mean over windows) and whether the class is in the image, per (image, class). */
	private final List<double[]> presence = new ArrayList<>();

	private Evaluation(List<String> classes, int seenCount) {
		this.classes = classes;
		this.seenCount = seenCount;
		this.confusion = new long[classes.size()][classes.size()];
	}

	/** An evaluation of a given confusion matrix [ground truth][prediction] (tests, merging runs). */
	static Evaluation of(List<String> classes, int seenCount, long[][] confusion) {
		Evaluation e = new Evaluation(List.copyOf(classes), seenCount);
		for (int i = 0; i < confusion.length; i++) System.arraycopy(confusion[i], 0, e.confusion[i], 0, confusion.length);
		return e;
	}

	/**
	 * @param classifier a classifier over exactly {@code seen} followed by {@code unseen}
	 */
	public static Evaluation run(List<LabelledImage> data, List<String> datasetClasses, List<String> seen,
		List<String> unseen, Segmenter segmenter, PixelClassifier classifier, Progress progress) throws IOException
	{
		return run(data, datasetClasses, seen, unseen, ClipInput::of, segmenter, classifier, progress);
	}

	/** As above, with {@code input} turning each image into CLIP's input (channels, scaling). */
	public static Evaluation run(List<LabelledImage> data, List<String> datasetClasses, List<String> seen,
		List<String> unseen, java.util.function.Function<org.mvpseg.image.ImageSource, ClipInput> input,
		Segmenter segmenter, PixelClassifier classifier, Progress progress) throws IOException
	{
		List<String> all = new ArrayList<>(seen);
		all.addAll(unseen);
		if (!classifier.classNames().equals(all)) throw new IllegalArgumentException("classifier classes "
			+ classifier.classNames() + " differ from seen + unseen " + all);
		int[] map = LabelledImage.classIndex(datasetClasses, all);
		Evaluation e = new Evaluation(List.copyOf(all), seen.size());
		for (int k = 0; k < data.size(); k++) {
			progress.checkCancelled();
			progress.update("evaluating images", k, data.size());
			LabelledImage li = data.get(k);
			int w = li.image().width();
			boolean[] inImage = new boolean[all.size()];
			Segmenter.Result r = segmenter.run(input.apply(li.image()), classifier, (y0, rows, width, p, labels) -> {
				for (int i = 0; i < rows * width; i++) {
					int v = li.labels()[y0 * w + i];
					int gt = v >= 0 && v < map.length ? map[v] : -1;
					if (gt >= 0) e.confusion[gt][labels[i]]++;
					if (gt >= 0) inImage[gt] = true;
				}
			}, Progress.NONE);
			if (r.presence() != null) e.addPresence(r.presence(), inImage);
		}
		progress.update("evaluating images", data.size(), data.size());
		return e;
	}

	private void addPresence(PixelClassifier.Presence g, boolean[] inImage) {
		for (int c = 0; c < inImage.length; c++) presence.add(new double[] { g.max()[c], g.mean()[c], inImage[c] ? 1 : 0 });
	}

	/**
	 * How well GPR's g_c tells the classes in an image from those not in it, over every (image, class) pair: ROC AUC
	 * of g_c's highest and mean value over windows, and the shares judged rightly at ½ (present: highest g_c ≥ ½;
	 * absent: below). Null for methods without GPR.
	 */
	public PresenceScore presenceScore() {
		if (presence.isEmpty()) return null;
		int n = presence.size(), present = 0, presentHit = 0, absentHit = 0;
		double[] max = new double[n], mean = new double[n];
		boolean[] in = new boolean[n];
		for (int i = 0; i < n; i++) {
			double[] r = presence.get(i);
			max[i] = r[0];
			mean[i] = r[1];
			in[i] = r[2] > 0;
			if (in[i]) present++;
			if (in[i] && r[0] >= 0.5) presentHit++;
			if (!in[i] && r[0] < 0.5) absentHit++;
		}
		return new PresenceScore(rocAuc(max, in), rocAuc(mean, in), groupAuc(max, in, true), groupAuc(max, in, false),
			presentHit / (double) Math.max(1, present), absentHit / (double) Math.max(1, n - present), present, n - present);
	}

	/** ROC AUC over the (image, class) pairs of the seen classes only, or of the unseen ones. */
	private double groupAuc(double[] score, boolean[] in, boolean seen) {
		int classes = this.classes.size();
		List<Integer> rows = new ArrayList<>();
		for (int i = 0; i < score.length; i++) if (i % classes < seenCount == seen) rows.add(i);
		double[] s = new double[rows.size()];
		boolean[] y = new boolean[rows.size()];
		for (int j = 0; j < s.length; j++) {
			s[j] = score[rows.get(j)];
			y[j] = in[rows.get(j)];
		}
		return rocAuc(s, y);
	}

	/**
	 * ROC AUC (of g_c's highest and mean value over windows; of the highest over seen classes' pairs only, over
	 * unseen classes' only) and the shares judged rightly at ½ over {@code present} and {@code absent} (image, class)
	 * pairs.
	 */
	public record PresenceScore(double aucMax, double aucMean, double aucSeen, double aucUnseen,
		double presentJudgedPresent, double absentJudgedAbsent, int present, int absent) {}

	/**
	 * ROC AUC = P(score of a positive > score of a negative), ties counting ½ (Mann–Whitney U / (n⁺·n⁻)); NaN without
	 * both kinds.
	 */
	static double rocAuc(double[] score, boolean[] positive) {
		Integer[] order = new Integer[score.length];
		for (int i = 0; i < order.length; i++) order[i] = i;
		java.util.Arrays.sort(order, (a, b) -> Double.compare(score[a], score[b]));
		double rankSum = 0;
		long pos = 0;
		for (int i = 0; i < order.length;) {
			int j = i;
			while (j < order.length && score[order[j]] == score[order[i]]) j++;
			double rank = (i + 1 + j) / 2.0; // mean rank of a run of ties (ranks from 1)
			for (int t = i; t < j; t++) if (positive[order[t]]) {
				rankSum += rank;
				pos++;
			}
			i = j;
		}
		long neg = score.length - pos;
		return pos == 0 || neg == 0 ? Double.NaN : (rankSum - pos * (pos + 1) / 2.0) / (pos * (double) neg);
	}

	/** Pixels of class {@code c} in the ground truth. */
	public long groundTruthPixels(int c) {
		long gt = 0;
		for (long v : confusion[c]) gt += v;
		return gt;
	}

	/**
	 * True when class {@code c} is nowhere in the ground truth: reports say "absent" instead of an IoU. Where
	 * it was predicted its IoU is 0 and counts in the means (mmseg's rule, the paper's protocol).
	 */
	public boolean absent(int c) {
		return groundTruthPixels(c) == 0;
	}

	/** IoU of class {@code c}, or NaN when it is neither in the ground truth nor predicted. */
	public double iou(int c) {
		long tp = confusion[c][c], fp = 0, fn = 0;
		for (int o = 0; o < classes.size(); o++) {
			if (o == c) continue;
			fp += confusion[o][c];
			fn += confusion[c][o];
		}
		long union = tp + fp + fn;
		return union == 0 ? Double.NaN : tp / (double) union;
	}

	private double mean(int from, int to) {
		double s = 0;
		int n = 0;
		for (int c = from; c < to; c++) {
			double v = iou(c);
			if (!Double.isNaN(v)) {
				s += v;
				n++;
			}
		}
		return n == 0 ? Double.NaN : s / n;
	}

	public double miouSeen() {
		return mean(0, seenCount);
	}

	public double miouUnseen() {
		return mean(seenCount, classes.size());
	}

	/** Harmonic mean of seen and unseen mIoU (NaN if either is undefined). */
	public double hiou() {
		double s = miouSeen(), u = miouUnseen();
		return Double.isNaN(s) || Double.isNaN(u) ? Double.NaN : s + u == 0 ? 0 : 2 * s * u / (s + u);
	}

	public double pixelAccuracy() {
		long ok = 0, all = 0;
		for (int i = 0; i < classes.size(); i++)
			for (int j = 0; j < classes.size(); j++) {
				all += confusion[i][j];
				if (i == j) ok += confusion[i][j];
			}
		return all == 0 ? Double.NaN : ok / (double) all;
	}

	public List<String> classes() {
		return classes;
	}

	public JsonObject toJson() {
		JsonObject o = new JsonObject();
		o.addProperty("miou_seen", miouSeen());
		o.addProperty("miou_unseen", miouUnseen());
		o.addProperty("hiou", hiou());
		o.addProperty("pixel_accuracy", pixelAccuracy());
		JsonObject per = new JsonObject();
		for (int c = 0; c < classes.size(); c++) {
			JsonObject e = new JsonObject();
			e.addProperty("iou", iou(c));
			e.addProperty("seen", c < seenCount);
			e.addProperty("pixels", groundTruthPixels(c));
			e.addProperty("absent", absent(c));
			per.add(classes.get(c), e);
		}
		o.add("per_class", per);
		PresenceScore g = presenceScore();
		if (g != null) o.add("gpr_presence", new com.google.gson.Gson().toJsonTree(g));
		JsonArray names = new JsonArray();
		classes.forEach(names::add);
		o.add("classes", names);
		o.add("confusion", new GsonBuilder().create().toJsonTree(confusion));
		return o;
	}

	/** Rows of "class | seen/unseen | IoU" for each evaluation side by side, then the means. */
	public static String table(List<String> titles, List<Evaluation> runs) {
		StringBuilder sb = new StringBuilder();
		Evaluation first = runs.get(0);
		sb.append(String.format(Locale.ROOT, "%-24s %-7s", "class", ""));
		for (String t : titles) sb.append(String.format(Locale.ROOT, " %12s", t));
		sb.append('\n');
		for (int c = 0; c < first.classes.size(); c++) {
			sb.append(String.format(Locale.ROOT, "%-24s %-7s", first.classes.get(c), c < first.seenCount ? "seen"
				: "unseen"));
			for (Evaluation e : runs) sb.append(String.format(Locale.ROOT, " %12s", e.absent(c) ? "absent" : pct(e.iou(
				c))));
			sb.append('\n');
		}
		String[] rows = { "mIoU(seen)", "mIoU(unseen)", "hIoU", "pixel accuracy" };
		for (String r : rows) {
			sb.append(String.format(Locale.ROOT, "%-32s", r));
			for (Evaluation e : runs) {
				double v = switch (r) {
					case "mIoU(seen)" -> e.miouSeen();
					case "mIoU(unseen)" -> e.miouUnseen();
					case "hIoU" -> e.hiou();
					default -> e.pixelAccuracy();
				};
				sb.append(String.format(Locale.ROOT, " %12s", pct(v)));
			}
			sb.append('\n');
		}
		for (int i = 0; i < runs.size(); i++) {
			PresenceScore g = runs.get(i).presenceScore();
			if (g != null) sb.append(String.format(Locale.ROOT, "%s: GPR presence g_c, %d present and %d absent (image, "
				+ "class) pairs: ROC AUC %.3f (highest over windows; seen classes %.3f, unseen %.3f), %.3f (mean); at 1/2, "
				+ "%.1f %% of present and %.1f %% of absent judged rightly%n", titles.get(i), g.present(), g.absent(), g
					.aucMax(), g.aucSeen(), g.aucUnseen(), g.aucMean(), 100 * g.presentJudgedPresent(), 100 * g
						.absentJudgedAbsent()));
		}
		if (java.util.stream.IntStream.range(0, first.classes.size()).anyMatch(first::absent)) sb.append("absent: "
			+ "not in the ground truth; where predicted, its IoU 0 counts in the means (mmseg's rule)\n");
		return sb.toString();
	}

	private static String pct(double v) {
		return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.1f", 100 * v);
	}
}
