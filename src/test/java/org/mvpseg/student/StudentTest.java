package org.mvpseg.student;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvpseg.TestFiles;
import org.mvpseg.image.ArrayImage;
import org.mvpseg.image.ImageSource;
import org.mvpseg.mvp.MvpLosses;
import org.mvpseg.pipeline.Pipeline;
import org.mvpseg.pipeline.Prepared;
import org.mvpseg.pipeline.SegmentRequest;
import org.mvpseg.runtime.Progress;
import org.mvpseg.runtime.Torch;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;

/** MVP-SEG+'s student: gradients, the two phases' labels, bit-exact resume, the file and its refusals. */
class StudentTest {

	static final String W = TestFiles.fixture("clip-vit-tiny").resolve("clip.pt").toString();

	@TempDir
	Path tmp;

	@Test
	void headGradientsMatchFiniteDifferences() {
		int e = 4, cells = 3, classes = 3;
		StudentHead head = StudentHead.initial(e, 7);
		Random rnd = new Random(2);
		float[] feats = new float[2 * cells * cells * e], emb = new float[2 * classes * e];
		for (int i = 0; i < feats.length; i++) feats[i] = (float) rnd.nextGaussian();
		for (int i = 0; i < emb.length; i++) emb[i] = (float) rnd.nextGaussian() * 0.5f;
		int[] labels = new int[2 * cells * cells];
		for (int i = 0; i < labels.length; i++) labels[i] = i % 5 == 0 ? MvpLosses.IGNORE : rnd.nextInt(classes);
		try (NDManager m = Torch.newManager()) {
			NDArray f = m.create(feats, new Shape(2, cells, cells, e)), t = m.create(emb, new Shape(2, classes, e));
			List<NDArray> p = head.arrays(m);
			for (NDArray a : p) a.setRequiresGradient(true);
			try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
				gc.backward(loss(f, p, t, labels, cells));
			}
			for (int tensor : new int[] { 0, 1, 2, 3, 12, 15 }) {
				float[] g = p.get(tensor).getGradient().toFloatArray();
				int at = g.length / 2;
				double h = 1e-2, plus = numeric(head, tensor, at, h, f, t, labels, cells), minus = numeric(head, tensor, at,
					-h, f, t, labels, cells);
				double fd = (plus - minus) / (2 * h);
				assertEquals(fd, g[at], 2e-3 + 2e-2 * Math.abs(fd), "tensor " + tensor);
			}
		}
	}

	private static NDArray loss(NDArray f, List<NDArray> p, NDArray t, int[] labels, int cells) {
		return MvpLosses.crossEntropy(StudentHead.forward(f, p, t).logSoftmax(1), labels, cells, cells);
	}

	private static double numeric(StudentHead head, int tensor, int at, double h, NDArray f, NDArray t, int[] labels,
		int cells)
	{
		float keep = head.params[tensor][at];
		head.params[tensor][at] = (float) (keep + h);
		try (NDManager m = Torch.newManager()) {
			return loss(f, head.arrays(m), t, labels, cells).toType(DataType.FLOAT64, false).getDouble();
		}
		finally {
			head.params[tensor][at] = keep;
		}
	}

	@Test
	void phaseOneLearnsTheTeachersLabelsPhaseTwoTheStudentsOwn() {
		int tile = 4, n = tile * tile, classes = 3, e = 4;
		int[] teacher = new int[n], gt = new int[n];
		java.util.Arrays.fill(gt, MvpLosses.IGNORE);
		for (int i = 0; i < n; i++) teacher[i] = i % classes;
		teacher[0] = MvpLosses.IGNORE; // outside the image
		gt[1] = 2; // an annotated pixel
		StudentData.Tile[] tiles = { new StudentData.Tile(teacher, gt, true), new StudentData.Tile(teacher, gt, false) };
		boolean[] flip = { false, true };
		int[] one = StudentTrainer.teacherLabels(tiles, flip, tile);
		assertEquals(teacher[5], one[5]);
		assertEquals(teacher[4 + 3], one[n + 4], "the second tile is mirrored");
		StudentHead head = StudentHead.initial(e, 3);
		Random rnd = new Random(4);
		float[] feats = new float[2 * 2 * 2 * e], emb = new float[classes * e];
		for (int i = 0; i < feats.length; i++) feats[i] = (float) rnd.nextGaussian();
		for (int i = 0; i < emb.length; i++) emb[i] = (float) rnd.nextGaussian();
		boolean[] unseen = { false, true, true };
		try (NDManager m = Torch.newManager()) {
			NDArray f = m.create(feats, new Shape(2, 2, 2, e)), t = m.create(emb, new Shape(1, classes, e));
			List<NDArray> p = head.arrays(m);
			int[] two = StudentTrainer.ownLabels(f, p, t, null, tiles, flip, unseen, tile);
			float[] s = StudentHead.forward(f, p, t).getNDArrayInternal().interpolation(new long[] { tile, tile }, 1,
				false).toFloatArray();
			assertEquals(MvpLosses.IGNORE, two[0], "outside the image stays ignored");
			assertEquals(2, two[1], "an annotated pixel keeps its ground truth");
			for (int i = 2; i < n; i++) {
				assertTrue(two[i] == 1 || two[i] == 2, "transductive: unseen classes only");
				int best = s[n + i] > s[2 * n + i] ? 1 : 2;
				assertEquals(best, two[i], "the student's own argmax at " + i);
			}
			for (int i = 0; i < n; i++) { // the mirrored tile without the transductive restriction
				int src = (i / tile) * tile + tile - 1 - i % tile;
				int b = 0;
				for (int c = 1; c < classes; c++) if (s[(classes + c) * n + i] > s[(classes + b) * n + i]) b = c;
				int expected = teacher[src] == MvpLosses.IGNORE ? MvpLosses.IGNORE : gt[src] != MvpLosses.IGNORE ? gt[src]
					: b;
				assertEquals(expected, two[n + i], "over all classes on an unlabeled tile, at " + i);
			}
		}
	}

	private static List<StudentData.Source> images() {
		List<StudentData.Source> l = new ArrayList<>();
		for (int k = 0; k < 3; k++) {
			int[] rgb = new int[80 * 64];
			for (int i = 0; i < rgb.length; i++) rgb[i] = (i % 80 < 40 ? 0xC02020 : 0x20A020) + k * 0x010101;
			ImageSource img = ArrayImage.ofRgb(80, 64, ImageSource.Calibration.NONE, rgb);
			l.add(new StudentData.Source("img" + k, () -> img, null));
		}
		return l;
	}

	private static Prepared teacher() throws Exception {
		return Pipeline.prepare(SegmentRequest.builder().model(W, null).classes("red, green").template("a photo of {}.")
			.build(), Progress.NONE);
	}

	@Test
	void resumedTrainingEqualsAnUninterruptedOneAndTheFileIsRefusedWithOtherWeights() throws Exception {
		StudentTrainer.Config cfg = StudentTrainer.Config.builder().iterations(6).teacherIterations(3).batch(2).seed(1)
			.checkpointEvery(2).build();
		Path a = tmp.resolve("a.student"), b = tmp.resolve("b.student");
		try (Prepared p = teacher()) {
			StudentFile full = new StudentTrainer(p.teacher(), cfg).train(images(), List.of(), a, false, s -> {},
				Progress.NONE);
			int[] calls = { 0 };
			Progress stopAt5 = new Progress() {
				public void update(String what, long done, long total) {}

				public boolean isCancelled() {
					return what5(calls);
				}
			};
			assertThrows(CancellationException.class, () -> new StudentTrainer(p.teacher(), cfg).train(images(), List
				.of(), b, false, s -> calls[0] = s.iteration(), stopAt5));
			assertTrue(java.nio.file.Files.exists(org.mvpseg.mvp.Checkpoint.pathFor(b)));
			StudentFile resumed = new StudentTrainer(p.teacher(), cfg).train(images(), List.of(), b, true, s -> {},
				Progress.NONE);
			for (int i = 0; i < full.head.params.length; i++) assertArrayEquals(full.head.params[i], resumed.head.params[i]);
			StudentFile loaded = StudentFile.load(a);
			assertEquals(List.of("red", "green"), loaded.classes());
			assertArrayEquals(full.head.params[0], loaded.head.params[0]);
			var other = new org.mvpseg.pipeline.ModelChoice(TestFiles.fixture("clip-rn-tiny").resolve("clip.pt"), null,
				null, null).resolve(Progress.NONE);
			var e = assertThrows(IllegalArgumentException.class, () -> loaded.checkBackbone(other));
			assertTrue(e.getMessage().contains("trained on other weights"), e.getMessage());
		}
	}

	private static boolean what5(int[] calls) {
		return calls[0] >= 5;
	}

	@Test
	void transductivePseudoLabelsKeepAnnotationsAndGiveTheRestAnUnseenClass() throws Exception {
		// a teacher whose best class everywhere is the seen class 0, second best the unseen class 2
		Teacher fake = new Teacher() {
			public org.mvpseg.clip.ClipModel model() {
				return null;
			}

			public String weightsIdentity() {
				return "fake";
			}

			public org.mvpseg.clip.DenseMode denseMode() {
				return org.mvpseg.clip.DenseMode.MASKCLIP;
			}

			public List<String> classes() {
				return List.of("a", "b", "c");
			}

			public org.mvpseg.segment.PixelClassifier.Embeddings embeddings() {
				return null;
			}

			public java.util.Optional<org.mvpseg.mvp.Gpr> gpr() {
				return java.util.Optional.empty();
			}

			public String describe() {
				return "fake";
			}

			public org.mvpseg.image.ClipInput input(ImageSource image) {
				return org.mvpseg.image.ClipInput.of(image);
			}

			public void segment(org.mvpseg.image.ClipInput input, org.mvpseg.segment.SegmentationSink sink,
				Progress progress) throws java.io.IOException
			{
				int n = input.width() * input.height();
				float[][] p = new float[3][n];
				java.util.Arrays.fill(p[0], 0.6f);
				java.util.Arrays.fill(p[1], 0.1f);
				java.util.Arrays.fill(p[2], 0.3f);
				sink.rows(0, input.height(), input.width(), p, new int[n]);
			}
		};
		var input = org.mvpseg.image.ClipInput.of(ArrayImage.ofRgb(2, 2, ImageSource.Calibration.NONE, new int[4]));
		int I = MvpLosses.IGNORE;
		boolean[] unseen = { false, true, true };
		assertArrayEquals(new int[] { 1, 2, 2, 0 }, StudentData.teacherLabels(fake, input, new int[] { 1, I, I, 0 },
			unseen, Progress.NONE), "annotated pixels keep their class; the others the best unseen one");
		assertArrayEquals(new int[] { 0, 0, 0, 0 }, StudentData.teacherLabels(fake, input, null, unseen, Progress.NONE),
			"unlabeled images: the teacher's own labels over all classes");
	}

	@Test
	void featuresSpilledToDiskTrainTheSameStudent() throws Exception {
		StudentTrainer.Config inMemory = StudentTrainer.Config.builder().iterations(3).teacherIterations(2).batch(2).seed(1)
			.build(), onDisk = StudentTrainer.Config.builder().iterations(3).teacherIterations(2).batch(2).seed(1)
				.memoryBudget(0).build();
		try (Prepared p = teacher()) {
			StudentFile a = new StudentTrainer(p.teacher(), inMemory).train(images(), List.of(), tmp.resolve(
				"m.student"), false, s -> {}, Progress.NONE);
			StudentFile b = new StudentTrainer(p.teacher(), onDisk).train(images(), List.of(), tmp.resolve(
				"d.student"), false, s -> {}, Progress.NONE);
			for (int i = 0; i < a.head.params.length; i++) assertArrayEquals(a.head.params[i], b.head.params[i]);
			assertTrue(java.nio.file.Files.list(tmp).noneMatch(f -> f.toString().endsWith(".features.tmp")),
				"the spill file is removed");
		}
	}

	@Test
	void aFineTunedLastBlockIsLearnedSavedAndUsedWhenSegmenting() throws Exception {
		StudentTrainer.Config tuned = StudentTrainer.Config.builder().iterations(3).teacherIterations(3).batch(2).seed(1).lr(0.05)
			.fineTuneLastBlock(true, 1.0).build();
		Path f = tmp.resolve("t.student");
		try (Prepared p = teacher()) {
			float[][] before = org.mvpseg.clip.LastBlock.initial(p.teacher().model());
			StudentFile s = new StudentTrainer(p.teacher(), tuned).train(images(), List.of(), f, false, st -> {},
				Progress.NONE);
			int changed = 0;
			for (int i = 0; i < before.length; i++) if (!java.util.Arrays.equals(before[i], s.lastBlock()[i])) changed++;
			assertTrue(changed > 10, "the block learned: " + changed + " of " + before.length + " tensors changed");
			StudentFile loaded = StudentFile.load(f);
			for (int i = 0; i < before.length; i++) assertArrayEquals(s.lastBlock()[i], loaded.lastBlock()[i]);
			assertTrue(loaded.describe().contains("fine-tuned last block"), loaded.describe());
			// segmenting with it uses the student's block, not the model's
			try (NDManager m = Torch.newManager(); StudentClassifier c = new StudentClassifier(loaded, List.of("red",
				"green"), m))
			{
				var clip = p.teacher().model();
				NDArray x = m.randomNormal(new Shape(1, 3, 64, 64));
				NDArray ours = c.trunk(clip).apply(x), frozen = clip.denseFeatures(x);
				assertTrue(ours.sub(frozen).abs().max().getFloat() > 1e-4, "the fine-tuned block changes the features");
			}
		}
		StudentTrainer.Config resnet = tuned;
		try (Prepared rn = Pipeline.prepare(SegmentRequest.builder().model(TestFiles.fixture("clip-rn-tiny").resolve(
			"clip.pt").toString(), null).classes("red, green").template("a photo of {}.").build(), Progress.NONE))
		{
			var e = assertThrows(IllegalArgumentException.class, () -> new StudentTrainer(rn.teacher(), resnet)
				.train(images(), List.of(), tmp.resolve("r.student"), false, st -> {}, Progress.NONE));
			assertTrue(e.getMessage().contains("works on a ViT"), e.getMessage());
		}
	}

	@Test
	void gradientsAreClippedToTheirGlobalNormAndADivergedRunWritesNothing() throws Exception {
		float[][] g = { { 100 }, { 3, 4 } };
		StudentTrainer.clip(g, 1, 1.0);
		assertArrayEquals(new float[] { 100 }, g[0], "tensors before 'from' are left alone");
		assertArrayEquals(new float[] { 0.6f, 0.8f }, g[1], 1e-6f);
		StudentTrainer.Config wild = StudentTrainer.Config.builder().iterations(6).teacherIterations(6).batch(2).seed(1).lr(1e30)
			.build();
		Path f = tmp.resolve("wild.student");
		try (Prepared p = teacher()) {
			var e = assertThrows(IllegalStateException.class, () -> new StudentTrainer(p.teacher(), wild).train(
				images(), List.of(), f, false, st -> {}, Progress.NONE));
			assertTrue(e.getMessage().contains("diverged") && e.getMessage().contains("nothing was written"), e
				.getMessage());
		}
		assertTrue(!java.nio.file.Files.exists(f));
	}

	@Test
	void aStudentOfLearnedPromptsKeepsItsTeachersGprTrainsAndSegmentsWithIt() throws Exception {
		Path prompts = tmp.resolve("p.prompts");
		try (Prepared zs = teacher()) {
			// the paper's form: its starting τ₂ = 0.07 and no bias give g_c that differ between classes
			org.mvpseg.mvp.PromptSet.initial(3, 4, zs.teacher().model().config().textWidth(), 7, false,
				org.mvpseg.mvp.GprForm.PAPER).save(prompts);
		}
		StudentTrainer.Config cfg = StudentTrainer.Config.builder().iterations(3).batch(2).seed(1).build();
		Path with = tmp.resolve("g.student"), without = tmp.resolve("n.student");
		try (Prepared p = Pipeline.prepare(SegmentRequest.builder().model(W, null).classes("red, green, blue").prompts(
			prompts.toString()).build(), Progress.NONE))
		{
			StudentFile a = new StudentTrainer(p.teacher(), cfg).train(images(), List.of(), with, false, s -> {},
				Progress.NONE);
			StudentFile b = new StudentTrainer(p.teacher(), StudentTrainer.Config.builder().iterations(3).batch(2).seed(1)
				.gpr(false).build()).train(images(), List.of(), without, false, s -> {}, Progress.NONE);
			assertTrue(b.gpr().isEmpty() && a.gpr().isPresent());
			assertTrue(!java.util.Arrays.equals(a.head.params[0], b.head.params[0]), "log g_c enters the training loss");
			StudentFile loaded = StudentFile.load(with);
			org.mvpseg.mvp.Gpr g = loaded.gpr().orElseThrow(), t = p.teacher().gpr().orElseThrow();
			assertArrayEquals(t.text(), g.text());
			assertEquals(t.tau2(), g.tau2());
			assertEquals(t.form(), g.form());
			assertTrue(loaded.describe().contains("GPR form paper"), loaded.describe());
			assertTrue(loaded.classWeightsLine().startsWith("class weights from "), loaded.classWeightsLine());
			assertEquals(3, loaded.training.getAsJsonObject("class_weights").size(), "one weight per class, recorded");
			sameGprAsTeacher(loaded, prompts, p.teacher().model());
			var e = assertThrows(org.mvpseg.runtime.RequestException.class, () -> new StudentClassifier(StudentFile.load(
				without), List.of("red"), false, false, Torch.newManager()));
			assertTrue(e.getMessage().contains("kept no GPR"), e.getMessage());
		}
	}

	/** Over a subset of its classes in another order, the student's g_c is its teacher's, and weighs its scores. */
	private static void sameGprAsTeacher(StudentFile s, Path prompts, org.mvpseg.clip.ClipModel clip) throws Exception {
		List<String> names = List.of("blue", "red");
		try (NDManager m = Torch.newManager(); StudentClassifier on = new StudentClassifier(s, names, true, false, m);
			StudentClassifier off = new StudentClassifier(s, names, false, false, m);
			StudentClassifier drop = new StudentClassifier(s, names, true, true, m);
			org.mvpseg.mvp.MvpClassifier mvp = new org.mvpseg.mvp.MvpClassifier(clip, org.mvpseg.mvp.PromptSet.load(
				prompts), names, m))
		{
			NDArray f = clip.denseFeatures(m.randomNormal(new Shape(2, 3, 64, 64)));
			var teacher = mvp.score(f, null);
			var weighed = on.score(f, null);
			float[] g = weighed.presence();
			assertArrayEquals(teacher.presence(), g, 1e-5f, "the teacher's g_c");
			NDArray raw = off.score(f, null).scores();
			float[] diff = weighed.scores().sub(raw.logSoftmax(1)).toFloatArray();
			int hw = (int) (raw.size() / (2 * names.size()));
			for (int i = 0; i < diff.length; i++)
				assertEquals(Math.log(g[i / hw]), diff[i], 1e-4, "log softmax(student) + log g_c at " + i);
			float[] dropped = drop.score(f, null).scores().sub(weighed.scores()).toFloatArray();
			for (int i = 0; i < dropped.length; i++) assertEquals(g[i / hw] < 0.5 && anyPresent(g, i / hw / names.size(),
				names.size()) ? -1e4 : 0, dropped[i], 1e-2, "a class judged absent is left out");
		}
	}

	private static boolean anyPresent(float[] g, int window, int classes) {
		for (int c = 0; c < classes; c++) if (g[window * classes + c] >= 0.5) return true;
		return false;
	}

	@Test
	void classWeightsFollowTheLabelsSharesAndWeighTheLoss() {
		int I = MvpLosses.IGNORE;
		int[] labels = { 0, 0, 0, 1, I, 0, 0, 0, 1, I }; // class 0: 6 pixels, class 1: 2, class 2: none
		List<StudentData.Tile> tiles = List.of(new StudentData.Tile(java.util.Arrays.copyOfRange(labels, 0, 5), null,
			false), new StudentData.Tile(java.util.Arrays.copyOfRange(labels, 5, 10), null, false));
		assertEquals(null, StudentTrainer.classWeights(tiles, 3, 0), "α = 0: off");
		assertArrayEquals(new float[] { (float) Math.pow(6 * 3 / 8.0, -0.5), (float) Math.pow(2 * 3 / 8.0, -0.5), 0 },
			StudentTrainer.classWeights(tiles, 3, 0.5), 1e-6f, "square root of the fair share over the share");
		assertArrayEquals(new float[] { 8 / 18f, 8 / 6f, 0 }, StudentTrainer.classWeights(tiles, 3, 1), 1e-6f);
		float[] w = { 0.5f, 2f, 1f };
		try (NDManager m = Torch.newManager()) {
			float[] lp = { -0.1f, -2f, -1f, -0.5f, -3f, -0.2f }; // [1, 3, 1, 2]: pixel 0 and pixel 1
			NDArray logp = m.create(lp, new Shape(1, 3, 1, 2));
			double weighted = MvpLosses.crossEntropy(logp, new int[] { 0, 1 }, 1, 2, w).getFloat();
			assertEquals((0.5 * 0.1 + 2 * 0.5) / 2.5, weighted, 1e-6, "PyTorch's weighted mean");
			assertEquals((0.1 + 0.5) / 2, MvpLosses.crossEntropy(logp, new int[] { 0, 1 }, 1, 2).getFloat(), 1e-6);
		}
	}
}
