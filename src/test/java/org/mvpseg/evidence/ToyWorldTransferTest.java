package org.mvpseg.evidence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvpseg.TestFiles;
import org.mvpseg.clip.DenseMode;
import org.mvpseg.imagej.DatasetFolder;
import org.mvpseg.models.ModelCache;
import org.mvpseg.models.ModelRegistry;
import org.mvpseg.models.ModelResolver;
import org.mvpseg.mvp.Evaluation;
import org.mvpseg.mvp.PromptTrainer;
import org.mvpseg.pipeline.EvaluationRun;
import org.mvpseg.pipeline.ModelService;
import org.mvpseg.pipeline.SegmentRequest;
import org.mvpseg.pipeline.Pipeline;
import org.mvpseg.pipeline.Prepared;
import org.mvpseg.imagej.StudentSources;
import org.mvpseg.student.StudentData;
import org.mvpseg.student.StudentTrainer;
import org.mvpseg.runtime.Progress;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The paper's central claim in miniature, on the one CLIP here that knows something (toyclip-world:
 * trained on a colour × texture world with 12 combinations held out). Prompts are trained on the
 * classes P of data/train only; everything is measured on data/test, on classes never used to train
 * prompts: the other seen classes Q and the 12 held-out combinations (which CLIP itself never saw).
 * Thresholds were set from measured values with a wide margin (README › What was measured here).
 */
class ToyWorldTransferTest {

	static final Path WORLD = TestFiles.fixture("toyclip-world");
	static final String TEMPLATE = "a photo of {}.";

	@TempDir
	static Path tmp;

	static DatasetFolder.Contents train, test;
	static List<String> p, q, heldOut;
	static Path prompts, valuePrompts;

	@BeforeAll
	static void trainPromptsOnP() throws Exception {
		JsonObject split = JsonParser.parseString(Files.readString(WORLD.resolve("data/split.json"))).getAsJsonObject();
		p = strings(split, "prompt_train_subset_P");
		q = strings(split, "other_seen_Q");
		heldOut = strings(split, "held_out");
		train = DatasetFolder.load(WORLD.resolve("data/train"));
		test = DatasetFolder.load(WORLD.resolve("data/test"));
		ModelResolver.Resolved w = ModelResolver.resolve(WORLD.resolve("clip.pt"), null, ModelRegistry.builtIn(),
			new ModelCache(tmp.resolve("cache")), Progress.NONE);
		var cfg = PromptTrainer.Config.builder().iterations(300).crop(64).batch(8).build();
		prompts = tmp.resolve("p.prompts");
		var clip = ModelService.shared().get(w.weights());
		new PromptTrainer(clip, w.identity(), cfg, DenseMode.MASKCLIP).train(train.images(), train.classes(), p, prompts, false, s -> {},
			Progress.NONE);
		valuePrompts = tmp.resolve("value.prompts");
		new PromptTrainer(clip, w.identity(), cfg, DenseMode.VALUE).train(train.images(), train.classes(), p,
			valuePrompts, false, s -> {}, Progress.NONE);
	}

	private static List<String> strings(JsonObject o, String key) {
		List<String> out = new ArrayList<>();
		o.getAsJsonArray(key).forEach(e -> out.add(e.getAsString()));
		return out;
	}

	/** mIoU over a vocabulary (pixels of other classes ignored), zero-shot or with the learned prompts. */
	static double miou(List<String> vocabulary, boolean learned) throws Exception {
		return miou(vocabulary, learned ? prompts : null, null);
	}

	/** @param mode the dense mode, or null for automatic (the prompt set's own, else MaskCLIP's) */
	static double miou(List<String> vocabulary, Path learned, String mode) throws Exception {
		int half = vocabulary.size() / 2;
		List<String> a = vocabulary.subList(0, half), b = vocabulary.subList(half, vocabulary.size());
		SegmentRequest.Builder r = SegmentRequest.builder().model(WORLD.resolve("clip.pt").toString(), null).classes(
			String.join(",", vocabulary)).denseMode(mode);
		SegmentRequest request = learned == null ? r.template(TEMPLATE).build() : learned.toString().endsWith(".student")
			? r.student(learned.toString()).build() : r.prompts(learned.toString()).build();
		EvaluationRun.Outcome o = EvaluationRun.evaluate(request, test.images(), test.classes(), a, b, Progress.NONE);
		double m = meanIou(o.evaluation());
		System.out.printf(Locale.ROOT, "toy world, %d-way %s, %s features: mIoU %.1f%%%n", vocabulary.size(), o
			.resolved().method(), o.resolved().denseMode().label(), 100 * m);
		return m;
	}

	/** Labels of every test image. */
	static List<int[]> labels(SegmentRequest r) throws Exception {
		List<int[]> out = new ArrayList<>();
		try (org.mvpseg.pipeline.Prepared p = org.mvpseg.pipeline.Pipeline.prepare(r, Progress.NONE)) {
			for (var li : test.images()) {
				int[] lab = new int[li.labels().length];
				p.segment(p.input(li.image()), (y0, rows, width, pr, l) -> System.arraycopy(l, 0, lab, y0 * width, rows
					* width), Progress.NONE);
				out.add(lab);
			}
		}
		return out;
	}

	/**
	 * Half precision (fp16, on libtorch's CPU kernels) against fp32 on the toy world: the share of pixels whose label
	 * stays the same, zero-shot on the held-out vocabulary and with learned prompts on the 48-way one.
	 */
	@Test
	void halfPrecisionKeepsTheLabels() throws Exception {
		List<String> all = new ArrayList<>(p);
		all.addAll(q);
		all.addAll(heldOut);
		for (boolean learned : new boolean[] { false, true }) {
			List<String> vocabulary = learned ? all : heldOut;
			SegmentRequest.Builder b = SegmentRequest.builder().model(WORLD.resolve("clip.pt").toString(), null).classes(
				String.join(",", vocabulary));
			if (learned) b.prompts(prompts.toString());
			else b.template(TEMPLATE);
			List<int[]> full = labels(b.build()), half = labels(b.half(true).build());
			long same = 0, n = 0;
			for (int i = 0; i < full.size(); i++)
				for (int j = 0; j < full.get(i).length; j++, n++) if (full.get(i)[j] == half.get(i)[j]) same++;
			double agreement = same / (double) n;
			System.out.printf(Locale.ROOT, "toy world, %d-way %s: fp16 labels equal fp32 labels on %.2f%% of %d "
				+ "pixels%n", vocabulary.size(), learned ? "learned prompts" : "zero-shot", 100 * agreement, n);
			assertTrue(agreement > 0.98, "fp16 keeps the labels: " + agreement);
		}
	}

	@Test
	void zeroShotByNameLocalisesClassesClipNeverSaw() throws Exception {
		// 12-way vocabulary of the held-out combinations: chance is about 4 % mIoU; measured 25 %
		assertTrue(miou(heldOut, false) > 0.15, "zero-shot localises held-out combinations");
	}

	/**
	 * The same protocol run by an independent PyTorch implementation (reference-pytorch.json →
	 * dense_zero_shot.heldout12 → trained_fixture): MaskCLIP's released form, 25.36 %. (Its pure value
	 * path, 26.71 %, is not matched: we measure 31.1 % — see README › What was measured here.)
	 */
	/**
	 * Global Prompt Refining where it should act (docs/formulas.md §5, README › What was measured here): the prompts
	 * trained above (GPR in SigLIP's form, the default) judge presence — g_c's ROC AUC for classes present vs absent in
	 * each test image of the 48-way vocabulary is 0.85 (the paper's literal form: 0.53) — and g_c raises the 48-way hIoU
	 * over the same prompts without GPR (seed 0: 11.4 vs 11.2; seeds 1, 2: 12.0 vs 10.6, 11.6 vs 10.7) by raising seen
	 * mIoU (11.8 vs 10.7), without costing the held-out 12-way vocabulary (43.1 vs 39.7).
	 */
	@Test
	void gprSeparatesPresentFromAbsentClassesAndRaisesHiou() throws Exception {
		List<String> all = new ArrayList<>(p);
		all.addAll(q);
		all.addAll(heldOut);
		List<String> unseen = all.subList(p.size(), all.size());
		Evaluation with = evaluate(all, p, unseen, true), without = evaluate(all, p, unseen, false);
		Evaluation.PresenceScore g = with.presenceScore();
		System.out.printf(Locale.ROOT, "toy world, 48-way: GPR presence ROC AUC %.3f (seen %.3f, unseen %.3f); hIoU "
			+ "%.1f%% with GPR, %.1f%% without; seen %.1f%% vs %.1f%%%n", g.aucMax(), g.aucSeen(), g.aucUnseen(), 100 * with
				.hiou(), 100 * without.hiou(), 100 * with.miouSeen(), 100 * without.miouSeen());
		assertTrue(g.aucMax() > 0.75, "g_c separates present from absent classes: AUC " + g.aucMax());
		assertTrue(g.aucUnseen() > 0.7, "also for classes never in prompt training: AUC " + g.aucUnseen());
		assertTrue(with.hiou() > without.hiou(), "GPR raises hIoU: " + with.hiou() + " vs " + without.hiou());
		assertTrue(with.miouSeen() > without.miouSeen() + 0.005, "GPR raises seen mIoU");
		List<String> a = heldOut.subList(0, 6), b = heldOut.subList(6, 12);
		double on = meanIou(evaluate(heldOut, a, b, true)), off = meanIou(evaluate(heldOut, a, b, false));
		System.out.printf(Locale.ROOT, "toy world, held-out 12-way: GPR %.1f%%, without %.1f%%%n", 100 * on, 100 * off);
		assertTrue(on > off - 0.01, "GPR does not cost the held-out vocabulary: " + on + " vs " + off);
	}

	private static Evaluation evaluate(List<String> vocabulary, List<String> seen, List<String> unseen, boolean gpr)
		throws Exception
	{
		SegmentRequest r = SegmentRequest.builder().model(WORLD.resolve("clip.pt").toString(), null).classes(String.join(
			",", vocabulary)).prompts(prompts.toString()).gpr(gpr).build();
		return EvaluationRun.evaluate(r, test.images(), test.classes(), seen, unseen, Progress.NONE).evaluation();
	}

	private static double meanIou(Evaluation e) {
		double sum = 0;
		int n = 0;
		for (int c = 0; c < e.classes().size(); c++) if (!Double.isNaN(e.iou(c))) {
			sum += e.iou(c);
			n++;
		}
		return sum / n;
	}

	@Test
	void zeroShotMatchesThePyTorchReference() throws Exception {
		JsonObject ref = JsonParser.parseString(Files.readString(WORLD.resolve("reference-pytorch.json")))
			.getAsJsonObject().getAsJsonObject("dense_zero_shot").getAsJsonObject("heldout12");
		double maskclip = ref.getAsJsonObject("trained_fixture").get("mIoU_heldout").getAsDouble();
		assertEquals(maskclip, miou(heldOut, null, "maskclip"), 0.005);
	}

	@Test
	void promptsTrainedOnTheValuePathRecordItAndUseItByDefault() throws Exception {
		assertEquals(DenseMode.VALUE, org.mvpseg.mvp.PromptSet.load(valuePrompts).denseMode());
		double zs = miou(heldOut, null, "value"), mvp = miou(heldOut, valuePrompts, null);
		assertTrue(mvp > zs + 0.05, "held-out, value path: MVP-SEG " + mvp + " vs zero-shot " + zs);
	}

	@Test
	void learnedPromptsRaiseMiouOnClassesNeverInPromptTraining() throws Exception {
		// measured: held-out 25 → 40 %, Q 18 → 30 % (one seed; README has means over three)
		double zsHeld = miou(heldOut, false), mvpHeld = miou(heldOut, true);
		assertTrue(mvpHeld > zsHeld + 0.05, "held-out: MVP-SEG " + mvpHeld + " vs zero-shot " + zsHeld);
		double zsQ = miou(q, false), mvpQ = miou(q, true);
		assertTrue(mvpQ > zsQ + 0.05, "other seen classes: MVP-SEG " + mvpQ + " vs zero-shot " + zsQ);
	}

	@Test
	void aStudentLearnsTheTeachersClassesFromUnlabeledImages() throws Exception {
		// MVP-SEG+: the prompts (trained on P) label 120 unlabeled images over the 12 held-out names; a student learns
		// from those labels alone. Measured (seed 0): teacher 39.7 %, student 42.6 %, zero-shot 25.4 % (README).
		Path student = tmp.resolve("held.student");
		try (Prepared t = Pipeline.prepare(SegmentRequest.builder().model(WORLD.resolve("clip.pt").toString(), null)
			.prompts(prompts.toString()).classes(heldOut).build(), Progress.NONE))
		{
			List<StudentData.Source> unlabeled = StudentSources.of(WORLD.resolve("data/unlabeled/images"), null, heldOut);
			var cfg = StudentTrainer.Config.builder().iterations(2000).teacherIterations(2000).checkpointEvery(1000).build();
			new StudentTrainer(t.teacher(), cfg).train(unlabeled, heldOut, student, false, s -> {}, Progress.NONE);
		}
		double teacher = miou(heldOut, true), zs = miou(heldOut, false), st = miou(heldOut, student, null);
		assertTrue(st > zs + 0.05, "student " + st + " vs zero-shot " + zs);
		assertTrue(st > teacher - 0.03, "student " + st + " vs teacher " + teacher);
	}

	@Test
	void anAnnotationFreeStudentAtLeastMatchesItsTeacherOverAll48Classes() throws Exception {
		// MVP-SEG+ without annotations (issue 21): the student keeps its teacher's GPR and balances classes. Measured
		// (seed 0, mIoU over all 48): teacher 11.3 %, student 13.0 %; without both the student was 11.25 (README).
		List<String> all = new ArrayList<>(p), unseen = new ArrayList<>(q);
		unseen.addAll(heldOut);
		all.addAll(unseen);
		Path student = tmp.resolve("all.student");
		try (Prepared t = Pipeline.prepare(SegmentRequest.builder().model(WORLD.resolve("clip.pt").toString(), null)
			.prompts(prompts.toString()).classes(all).build(), Progress.NONE))
		{
			List<StudentData.Source> unlabeled = StudentSources.of(WORLD.resolve("data/unlabeled/images"), null, all);
			var cfg = StudentTrainer.Config.builder().iterations(2000).checkpointEvery(1000).build();
			new StudentTrainer(t.teacher(), cfg).train(unlabeled, unseen, student, false, s -> {}, Progress.NONE);
		}
		double teacher = miou(all, prompts, null), st = miou(all, student, null);
		assertTrue(st >= teacher, "all 48 classes: student " + st + " vs teacher " + teacher);
	}
}
