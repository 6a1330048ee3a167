package org.mvpseg.mvp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvpseg.TestFiles;
import org.mvpseg.clip.ClipModel;
import org.mvpseg.clip.DenseMode;
import org.mvpseg.runtime.Progress;
import org.mvpseg.segment.SegmentOptions;
import org.mvpseg.segment.Segmenter;
import org.mvpseg.segment.Templates;
import org.mvpseg.segment.ZeroShotClassifier;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;

/**
 * Prompt training on synthetic data where classes differ in colour and texture, with the random-
 * weight tiny CLIP (no real weights exist here): learning must beat the zero-shot baseline.
 */
class PromptTrainerTest {

	@TempDir
	Path tmp;

	static NDManager manager;
	static ClipModel clip;
	static final List<String> ALL = SyntheticDataset.CLASSES, SEEN = ALL.subList(0, 4), UNSEEN = ALL.subList(4, 6);
	static final List<LabelledImage> TRAIN = SyntheticDataset.generate(12, 128, 1);
	static final List<LabelledImage> TEST = SyntheticDataset.generate(6, 128, 2);

	@BeforeAll
	static void load() throws Exception {
		manager = NDManager.newBaseManager();
		clip = ClipModel.load(TestFiles.fixture("clip-vit-tiny").resolve("clip.pt"), manager);
	}

	@AfterAll
	static void close() {
		clip.close();
		manager.close();
	}

	/** lr 0.05: the random tiny text tower needs larger steps than real CLIP's 2e-3. */
	static PromptTrainer.Config config(int iterations, int checkpointEvery) {
		return PromptTrainer.Config.builder().prompts(3, 8).iterations(iterations).crop(64).batch(4).lr(0.05)
			.learnBias(true).checkpointEvery(checkpointEvery).build();
	}

	@Test
	void trainingOnSeenClassesBeatsZeroShotAndEveryLossBehaves() throws Exception {
		List<PromptTrainer.Step> steps = new ArrayList<>();
		Path out = tmp.resolve("prompts.safetensors");
		PromptSet p = new PromptTrainer(clip, "sha", config(100, 50), DenseMode.MASKCLIP).train(TRAIN, ALL, SEEN, out, false, steps::add,
			Progress.NONE);
		assertEquals(100, steps.size());
		Segmenter seg = Segmenter.of(clip, manager, SegmentOptions.defaults());
		Evaluation zs, mvp;
		try (ZeroShotClassifier z = new ZeroShotClassifier(clip, ALL, Templates.ensemble(), 0, manager,
			Progress.NONE))
		{
			zs = Evaluation.run(TEST, ALL, SEEN, UNSEEN, seg, z, Progress.NONE);
		}
		try (MvpClassifier m = new MvpClassifier(clip, PromptSet.load(out), ALL, manager)) {
			mvp = Evaluation.run(TEST, ALL, SEEN, UNSEEN, seg, m, Progress.NONE);
		}
		System.out.println(Evaluation.table(List.of("zero-shot", "MVP-SEG"), List.of(zs, mvp)));
		assertTrue(mvp.miouSeen() > 0.6 && mvp.miouSeen() > zs.miouSeen() + 0.4, "seen mIoU: zero-shot " + zs
			.miouSeen() + ", MVP-SEG " + mvp.miouSeen());
		double segStart = mean(steps.subList(0, 10), 0), segEnd = mean(steps.subList(90, 100), 0);
		assertTrue(segEnd < 0.85 * segStart, "L_seg should fall: " + segStart + " -> " + segEnd);
		double ocStart = steps.get(0).oc(), ocEnd = steps.get(99).oc();
		assertTrue(ocEnd < ocStart / 10, "L_OC should drive the prompt means apart: " + ocStart + " -> " + ocEnd);
		for (PromptTrainer.Step s : steps) assertTrue(Double.isFinite(s.cls()) && s.cls() > 0, "L_cls " + s.cls());
		// the file records what was learned and how
		assertEquals(SEEN, p.seenClasses());
		assertEquals("sha", p.backboneSha256());
		assertTrue(p.losses().has("seg") && p.losses().has("oc"));
		assertFalse(Files.exists(out.resolveSibling("prompts.safetensors.part")));
	}

	private static double mean(List<PromptTrainer.Step> s, int which) {
		return s.stream().mapToDouble(x -> which == 0 ? x.seg() : x.cls()).average().orElse(Double.NaN);
	}

	@Test
	void seededRunsAreReproducibleAndResumeContinuesBitForBit() throws Exception {
		Path a = tmp.resolve("a"), b = tmp.resolve("b"), c = tmp.resolve("c");
		PromptSet full = new PromptTrainer(clip, "sha", config(20, 10), DenseMode.MASKCLIP).train(TRAIN, ALL, SEEN, a, false, s -> {},
			Progress.NONE);
		PromptSet again = new PromptTrainer(clip, "sha", config(20, 10), DenseMode.MASKCLIP).train(TRAIN, ALL, SEEN, b, false, s -> {},
			Progress.NONE);
		assertArrayEquals(full.context(), again.context());
		// cancel after iteration 15: the checkpoint of iteration 10 stays, and resuming finishes the run
		Progress cancelAt15 = new Progress() {
			int polls;

			@Override
			public void update(String what, long done, long total) {}

			@Override
			public boolean isCancelled() {
				return ++polls > 15;
			}
		};
		assertThrows(CancellationException.class, () -> new PromptTrainer(clip, "sha", config(20, 10), DenseMode.MASKCLIP).train(TRAIN, ALL,
			SEEN, c, false, s -> {}, cancelAt15));
		assertFalse(Files.exists(c), "a cancelled run writes no prompt set");
		assertTrue(Files.exists(c.resolveSibling("c.ckpt")), "the last good checkpoint is kept");
		// other settings cannot resume that checkpoint
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new PromptTrainer(clip, "sha",
			config(30, 10), DenseMode.MASKCLIP).train(TRAIN, ALL, SEEN, c, true, s -> {}, Progress.NONE));
		assertTrue(e.getMessage().contains("other settings"), e.getMessage());
		List<Integer> resumedIterations = new ArrayList<>();
		PromptSet resumed = new PromptTrainer(clip, "sha", config(20, 10), DenseMode.MASKCLIP).train(TRAIN, ALL, SEEN, c, true, s ->
			resumedIterations.add(s.iteration()), Progress.NONE);
		assertEquals(11, resumedIterations.get(0));
		assertArrayEquals(full.context(), resumed.context());
		assertEquals(full.tau1(), resumed.tau1(), 0);
		for (Path done : new Path[] { a, b, c }) assertFalse(Files.exists(done.resolveSibling(done.getFileName()
			+ ".ckpt")), "a completed training leaves no checkpoint behind");
	}

	private org.mvpseg.models.ModelResolver.Resolved resolved(Path weights) throws java.io.IOException {
		return org.mvpseg.models.ModelResolver.resolve(weights, null, org.mvpseg.models.ModelRegistry.builtIn(),
			new org.mvpseg.models.ModelCache(tmp.resolve("cache")), Progress.NONE);
	}

	@Test
	void promptSetsAreCheckedAgainstTheirWeightsByTensorsNotFileBytes() throws Exception {
		Path dir = TestFiles.fixture("clip-vit-tiny"), pt = dir.resolve("clip.pt"), st = dir.resolve("clip.safetensors");
		Path out = tmp.resolve("p");
		new PromptTrainer(clip, resolved(pt).identity(), config(2, 10), DenseMode.MASKCLIP).train(TRAIN, ALL, SEEN, out, false, s -> {},
			Progress.NONE);
		PromptSet p = PromptSet.load(out);
		p.checkBackbone(resolved(pt), 64);
		p.checkBackbone(resolved(st), 64); // the same weights as safetensors
		assertTrue(Files.isDirectory(tmp.resolve("cache/identities")), "identities are remembered in the model cache");
		Path bf16 = tmp.resolve("bf16.safetensors");
		java.util.Map<String, org.mvpseg.clip.io.RawTensor> half = new java.util.LinkedHashMap<>();
		for (var t : org.mvpseg.clip.io.WeightFiles.read(st).values()) {
			float[] v = t.toFloats();
			java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(v.length * 2).order(java.nio.ByteOrder.LITTLE_ENDIAN);
			for (float f : v) b.putShort((short) (Float.floatToRawIntBits(f) >>> 16));
			half.put(t.name(), new org.mvpseg.clip.io.RawTensor(t.name(), org.mvpseg.clip.io.RawTensor.StorageType.BF16, t
				.shape(), b.flip()));
		}
		org.mvpseg.clip.io.SafetensorsWriter.write(bf16, half, java.util.Map.of("format", "pt"));
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.checkBackbone(resolved(bf16),
			64));
		assertTrue(e.getMessage().contains("other weights"), e.getMessage());
		assertThrows(IllegalArgumentException.class, () -> p.checkBackbone(resolved(pt), 512));
		// a prompt set from before identities by tensors recorded the file's SHA-256: it keeps working
		PromptSet old = PromptSet.initial(3, 4, 64, 0, false);
		old.backboneSha256 = org.mvpseg.models.ModelCache.sha256(pt);
		old.save(tmp.resolve("old.prompts"));
		PromptSet.load(tmp.resolve("old.prompts")).checkBackbone(resolved(pt), 64);
		assertThrows(IllegalArgumentException.class, () -> PromptSet.load(tmp.resolve("old.prompts")).checkBackbone(
			resolved(bf16), 64));
		Path notPrompts = TestFiles.fixture("clip-vit-tiny").resolve("clip.safetensors");
		var ex = assertThrows(java.io.IOException.class, () -> PromptSet.load(notPrompts));
		assertTrue(ex.getMessage().contains("not an MVP-SEG prompt set"), ex.getMessage());
	}

	@Test
	void badTrainingInputsSayWhatIsWrong() {
		PromptTrainer t = new PromptTrainer(clip, "sha", config(2, 10), DenseMode.MASKCLIP);
		var e = assertThrows(IllegalArgumentException.class, () -> t.train(TRAIN, ALL, List.of("red", "purple"), tmp
			.resolve("x"), false, s -> {}, Progress.NONE));
		assertTrue(e.getMessage().contains("purple"), e.getMessage());
		int[] none = new int[128 * 128];
		java.util.Arrays.fill(none, LabelledImage.IGNORE_VALUE);
		var unlabelled = List.of(new LabelledImage("u", TRAIN.get(0).image(), none));
		e = assertThrows(IllegalArgumentException.class, () -> t.train(unlabelled, ALL, SEEN, tmp.resolve("x"), false,
			s -> {}, Progress.NONE));
		assertTrue(e.getMessage().contains("No pixel"), e.getMessage());
	}

	@Test
	void withoutGprTheScoresDifferOnlyByEachClassesLogPresence() throws Exception {
		PromptSet p = new PromptTrainer(clip, "sha", config(3, 10), DenseMode.MASKCLIP).train(TRAIN, ALL, SEEN, tmp.resolve("g"), false,
			s -> {}, Progress.NONE);
		try (NDManager m = manager.newSubManager(); MvpClassifier with = new MvpClassifier(clip, p, ALL, true, m);
			MvpClassifier without = new MvpClassifier(clip, p, ALL, false, m))
		{
			float[] px = new float[3 * 64 * 64];
			org.mvpseg.image.ClipInput.of(TEST.get(0).image()).window(0, 0, 64, 64, 64, 64, px, 0);
			ai.djl.ndarray.NDArray f = clip.denseFeatures(m.create(px, new ai.djl.ndarray.types.Shape(1, 3, 64, 64)));
			float[] a = with.scores(f).toFloatArray(), b = without.scores(f).toFloatArray();
			int hw = a.length / ALL.size();
			boolean differs = false;
			for (int c = 0; c < ALL.size(); c++) {
				float d0 = b[c * hw] - a[c * hw]; // −log g_c
				assertTrue(d0 >= 0, "log g_c <= 0");
				differs |= d0 > 1e-4;
				for (int i = 1; i < hw; i++) assertEquals(d0, b[c * hw + i] - a[c * hw + i], 1e-4, "class " + c);
			}
			assertTrue(differs, "GPR changes the scores");
			assertTrue(without.describe().contains("GPR off"), without.describe());
		}
	}

	/** One window's g_c, as the classifier hands it on with the window's scores. */
	private static double[] presence(MvpClassifier c, ai.djl.ndarray.NDArray oneWindow) {
		float[] g = c.score(oneWindow, null).presence();
		double[] out = new double[g.length];
		for (int i = 0; i < g.length; i++) out[i] = g[i];
		return out;
	}

	@Test
	void dropAbsentLeavesOutExactlyTheClassesJudgedAbsentInTheWindow() throws Exception {
		PromptSet p = PromptSet.initial(3, 8, clip.config().textWidth(), 0, true, GprForm.SIGLIP);
		float[] px = new float[3 * 64 * 64];
		org.mvpseg.image.ClipInput.of(TEST.get(0).image()).window(0, 0, 64, 64, 64, 64, px, 0);
		try (NDManager m = manager.newSubManager()) {
			ai.djl.ndarray.NDArray f = clip.denseFeatures(m.create(px, new ai.djl.ndarray.types.Shape(1, 3, 64, 64)));
			double[] z = new double[ALL.size()];
			try (MvpClassifier c = new MvpClassifier(clip, p, ALL, m)) {
				double[] g = presence(c, f);
				for (int i = 0; i < z.length; i++) z[i] = Math.log(g[i] / (1 - g[i])); // s_c/τ₂ + β
			}
			double[] sorted = z.clone();
			java.util.Arrays.sort(sorted);
			p.gprBias += -(sorted[2] + sorted[3]) / 2; // β: three classes present (g ≥ ½), three absent
			try (MvpClassifier with = new MvpClassifier(clip, p, ALL, true, false, m);
				MvpClassifier drop = new MvpClassifier(clip, p, ALL, true, true, m))
			{
				float[] a = with.scores(f).toFloatArray(), b = drop.scores(f).toFloatArray();
				double[] g = presence(drop, f);
				int hw = a.length / ALL.size(), absent = 0;
				for (int c = 0; c < ALL.size(); c++) {
					float expected = g[c] < 0.5 ? MvpHead.LEFT_OUT : 0;
					if (g[c] < 0.5) absent++;
					for (int i = 0; i < hw; i++) assertEquals(expected, b[c * hw + i] - a[c * hw + i], 1e-2, "class " + c);
				}
				assertEquals(3, absent, "the bias was set for three absent classes");
				assertTrue(drop.describe().contains("judged absent"), drop.describe());
			}
		}
		assertThrows(IllegalArgumentException.class, () -> new MvpClassifier(clip, p, ALL, false, true, manager));
	}

	@Test
	void promptSetsWithoutAGprFormAreThePapersAndSegmentAsBefore() throws Exception {
		PromptSet p = PromptSet.initial(3, 4, 64, 0, false);
		Path file = tmp.resolve("old.prompts"), old = tmp.resolve("before-forms.prompts");
		p.save(file);
		var f = new org.mvpseg.clip.io.TrainedFile(file, "prompt set", "");
		java.util.Map<String, String> meta = new java.util.LinkedHashMap<>(f.metadata());
		assertEquals("paper", meta.remove("gpr_form"));
		org.mvpseg.clip.io.SafetensorsWriter.write(old, f.tensors(), meta);
		PromptSet loaded = PromptSet.load(old);
		assertEquals(GprForm.PAPER, loaded.gprForm());
		assertEquals(0.07, loaded.tau2(), 1e-7);
		assertTrue(loaded.describe().contains("GPR form paper"), loaded.describe());
		PromptSet siglip = PromptSet.initial(3, 4, 64, 0, false, GprForm.SIGLIP);
		siglip.save(file);
		PromptSet back = PromptSet.load(file);
		assertEquals(GprForm.SIGLIP, back.gprForm());
		assertTrue(back.learnBias, "SigLIP's form always learns its bias");
		assertEquals(-10, back.gprBias(), 0);
	}

	@Test
	void mvpClassifierRecordsClassPresence() throws Exception {
		Path out = tmp.resolve("p");
		PromptSet p = new PromptTrainer(clip, "sha", config(3, 10), DenseMode.MASKCLIP).train(TRAIN, ALL, SEEN, out, false, s -> {},
			Progress.NONE);
		try (MvpClassifier m = new MvpClassifier(clip, p, ALL, manager)) {
			double[] g = Segmenter.of(clip, manager, SegmentOptions.defaults()).run(org.mvpseg.image.ClipInput.of(TEST
				.get(0).image()), m, (y0, rows, w, prob, labels) -> {}, Progress.NONE).presence().max();
			assertEquals(ALL.size(), g.length);
			for (double v : g) assertTrue(v > 0 && v < 1, "g_c is a probability: " + v);
			assertTrue(m.describe().contains("K=3"));
		}
	}
}
