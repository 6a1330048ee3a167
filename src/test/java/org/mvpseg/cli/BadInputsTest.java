package org.mvpseg.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.mvpseg.DamagedFiles;
import org.mvpseg.TestFiles;
import org.mvpseg.files.OutputLock;
import org.mvpseg.imagej.ImageFiles;
import org.mvpseg.imagej.ImagePlusSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The bad-input audit of issue 24 (training and input half), one row per input: what is run, the exit code, and the
 * start of the message it must end with (in the output or the error stream). A row that must leave files as they were
 * checks that too. Damaged files are made from good ones by {@link DamagedFiles}.
 */
class BadInputsTest {

	@TempDir
	static Path tmp;

	static final String W = SegmentCommandTest.WEIGHTS;
	/**
	 * A dataset, a finished prompt set and student (and a student of the prompts, which keeps their GPR), and the
	 * checkpoints of a stopped prompt and student training.
	 */
	static Path data, prompts, student, gprStudent, promptsCkpt, studentCkpt, image;
	static int rowNumber;

	@BeforeAll
	static void goodFiles() throws Exception {
		data = tmp.resolve("data");
		assertEquals(0, MainTest.run("synthetic-data", data.toString(), "--images", "2", "--size", "64").code());
		image = Files.list(data.resolve("images")).sorted().findFirst().orElseThrow();
		prompts = tmp.resolve("good.prompts");
		MainTest.Result t = MainTest.run(TrainingOutputsTest.train(data, prompts, 2).toArray(String[]::new));
		assertEquals(0, t.code(), t.out() + t.err());
		student = tmp.resolve("good.student");
		MainTest.Result s = MainTest.run(transfer(student, 2).toArray(String[]::new));
		assertEquals(0, s.code(), s.out() + s.err());
		gprStudent = tmp.resolve("gpr.student");
		List<String> taught = transfer(gprStudent, 2);
		taught.set(taught.indexOf("--zero-shot"), "--prompts=" + prompts);
		MainTest.Result g = MainTest.run(taught.toArray(String[]::new));
		assertEquals(0, g.code(), g.out() + g.err());
		Path stopped = tmp.resolve("stopped.prompts");
		assertEquals(1, cancelledAfter(3, TrainingOutputsTest.train(data, stopped, 6)));
		promptsCkpt = tmp.resolve("stopped.prompts.ckpt");
		Path stoppedStudent = tmp.resolve("stopped.student");
		assertEquals(1, cancelledAfter(3, transfer(stoppedStudent, 6)));
		studentCkpt = tmp.resolve("stopped.student.ckpt");
		assertTrue(Files.exists(promptsCkpt) && Files.exists(studentCkpt));
	}

	static List<String> transfer(Path out, int iterations, String... extra) {
		List<String> a = new ArrayList<>(List.of("transfer", "--unlabeled", data.resolve("images").toString(),
			"--zero-shot", "--classes", "red, green", "--student-out", out.toString(), "--weights", W, "--iterations",
			Integer.toString(iterations), "--batch", "1", "--checkpoint-every", "2", "--log-every", "1"));
		a.addAll(List.of(extra));
		return a;
	}

	/** Runs a command, interrupting it (as Ctrl-C does) after "iter N " is printed; returns its exit code. */
	private static int cancelledAfter(int n, List<String> args) {
		PrintStream watching = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8) {
			@Override
			public void println(String line) {
				if (line.startsWith("iter " + n + " ")) Thread.currentThread().interrupt();
			}
		};
		int code = Main.run(args.toArray(String[]::new), watching, new PrintStream(new ByteArrayOutputStream()));
		Thread.interrupted();
		return code;
	}

	/** One row: sets up its input in a fresh folder and returns the command line to run. */
	interface Input {
		List<String> in(Path dir) throws Exception;
	}

	/** A row whose input is not a command line: what it does, as a command's result. */
	interface Behaviour {
		MainTest.Result in(Path dir) throws Exception;
	}

	record Row(Behaviour input, int exit, String message) {}

	private static Named<Row> row(String name, int exit, String message, Input input) {
		return Named.of(name, new Row(d -> MainTest.run(input.in(d).toArray(String[]::new)), exit, message));
	}

	private static Named<Row> behaviour(String name, String message, Behaviour b) {
		return Named.of(name, new Row(b, 0, message));
	}

	static Stream<Named<Row>> rows() {
		List<Named<Row>> r = new ArrayList<>();
		dataLoss(r);
		wrongResults(r);
		damagedTrainingFiles(r);
		security(r);
		messages(r);
		objects(r);
		return r.stream();
	}

	private static List<String> train(Path out, int iterations, String... extra) {
		return TrainingOutputsTest.train(data, out, iterations, extra);
	}

	private static List<String> segment(Path dir, Path img, String... extra) {
		List<String> a = new ArrayList<>(List.of("segment", img.toString(), "--classes", "red, green", "--weights", W,
			"--out", dir.resolve("out").toString()));
		a.addAll(List.of(extra));
		return a;
	}

	/** Items 2, 3, 5: refusals that keep a finished result and a checkpoint (item 4: TrainingOutputsTest). */
	private static void dataLoss(List<Named<Row>> r) {
		r.add(row("train --resume without a checkpoint beside a finished prompt set", 2, "There is no checkpoint", d ->
			train(Files.copy(prompts, d.resolve("p.prompts")), 2, "--resume")));
		r.add(row("transfer --resume without a checkpoint beside a finished student", 2, "There is no checkpoint", d ->
			transfer(Files.copy(student, d.resolve("s.student")), 2, "--resume")));
		r.add(row("train without --resume beside a checkpoint", 2, "An unfinished training of p.prompts is in", d -> {
			Files.copy(promptsCkpt, d.resolve("p.prompts.ckpt"));
			return train(d.resolve("p.prompts"), 6);
		}));
		r.add(row("transfer without --resume beside a checkpoint", 2, "An unfinished training of s.student is in", d -> {
			Files.copy(studentCkpt, d.resolve("s.student.ckpt"));
			return transfer(d.resolve("s.student"), 6);
		}));
		r.add(row("train into a file another run is training into", 1, "Another training is writing", d -> {
			Path out = d.resolve("p.prompts");
			holdElsewhere(out); // another thread holds it (OutputLockTest: another process)
			return train(out, 2);
		}));
		r.add(row("transfer into a file another run is training into", 1, "Another training is writing", d -> {
			Path out = d.resolve("s.student");
			holdElsewhere(out);
			return transfer(out, 2);
		}));
	}

	/** Another thread takes {@code out}'s lock and keeps it a while. */
	private static void holdElsewhere(Path out) throws InterruptedException {
		java.util.concurrent.CountDownLatch taken = new java.util.concurrent.CountDownLatch(1);
		Thread t = new Thread(() -> {
			try (OutputLock l = OutputLock.tryAcquireFor(out)) {
				taken.countDown();
				Thread.sleep(20_000);
			}
			catch (Exception e) {
				// released either way
			}
		});
		t.setDaemon(true);
		t.start();
		taken.await();
	}

	/** Items 6, 7, 8 (temperature), 10. */
	private static void wrongResults(List<Named<Row>> r) {
		r.add(row("a 234-byte TIFF claiming 256x256 (short strip)", 1, "short.tif is damaged: strip or tile 0 holds", d ->
			segment(d, DamagedFiles.tiff(d.resolve("short.tif"), 256, 256, 1, 100, 100, "x"))));
		r.add(row("a 100000x100000 LZW header on a tiny file", 1, "huge.tif is damaged: its 100 bytes", d -> segment(d,
			DamagedFiles.tiff(d.resolve("huge.tif"), 100_000, 100_000, 5, 100, 100, "x"))));
		r.add(row("a short TIFF stack that ImageJ would open (images=2)", 1, "stack.tif is damaged: its pixels need", d ->
			segment(d, DamagedFiles.tiff(d.resolve("stack.tif"), 64, 64, 1, 4096, 4096, "ImageJ=1.54f\nimages=2\n"))));
		r.add(behaviour("solid red and green palette PNGs are read as their colours", "red (1.0, 0.0, 0.0) green (0.0, 1.0, "
			+ "0.0)", d -> new MainTest.Result(0, colours(DamagedFiles.palettePng(d.resolve("r.png"), 255, 0, 0), "red")
				+ " " + colours(DamagedFiles.palettePng(d.resolve("g.png"), 0, 255, 0), "green"), "")));
		r.add(row("--temperature 1e308", 2, "The temperature must be at most 10000", d -> segment(d, image,
			"--temperature", "1e308")));
		r.add(row("evaluate: a label value outside the class list", 1, "The label image", d -> evaluate(dataset(d, 7,
			"red\ngreen\nblue\n"))));
		r.add(row("evaluate: a class name twice in classes.txt", 1, "classes.txt names \"red\" twice (lines 1 and 3", d ->
			evaluate(dataset(d, 1, "red\ngreen\nred\n"))));
		r.add(row("evaluate: a class both seen and unseen", 2, "\"green\" is both seen and unseen", d -> List.of(
			"evaluate", "--data", data.toString(), "--zero-shot", "--seen", "red, green", "--unseen", "green", "--weights",
			W)));
		// before the requests, these three exited 1 (a library's IllegalArgumentException) or were accepted silently
		r.add(row("train: a seen class the dataset does not have", 2, "Class \"purple\" is not among the dataset's "
			+ "classes", d -> train(d.resolve("p.prompts"), 2, "--seen", "red, purple")));
		r.add(row("evaluate: an unseen class the dataset does not have", 2, "Class \"purple\" is not among the "
			+ "dataset's classes", d -> List.of("evaluate", "--data", data.toString(), "--zero-shot", "--seen", "red, green",
				"--unseen", "purple", "--weights", W)));
		r.add(row("transfer: an empty name in --unseen", 2, "Empty class name in \"green,,red\"", d -> transfer(d
			.resolve("s.student"), 2, "--unseen", "green,,red")));
		r.add(row("transfer: --no-gpr with a zero-shot teacher", 2, "Leaving out the teacher's GPR needs a teacher of "
			+ "learned prompts", d -> transfer(d.resolve("s.student"), 2, "--no-gpr")));
		r.add(row("transfer: a class balance above 1", 2, "--class-balance must be from 0 (off) to 1", d -> transfer(d
			.resolve("s.student"), 2, "--class-balance", "2")));
		r.add(row("segment: --no-gpr with a student that kept no GPR", 2, "This student kept no GPR", d -> segment(d, image,
			"--student", student.toString(), "--no-gpr")));
	}

	/** What a palette PNG is read as, in words: "name (r, g, b)" of its first pixel, as CLIP's input scale sees it. */
	private static String colours(Path png, String name) throws Exception {
		ImagePlusSource s = new ImagePlusSource(ImageFiles.open(png), 1, 1);
		float[] v = new float[s.channels()];
		for (int c = 0; c < v.length; c++) {
			float[] px = new float[1];
			s.read(c, 0, 0, 1, 1, px);
			v[c] = px[0] / 255;
		}
		return name + " " + java.util.Arrays.toString(v).replace('[', '(').replace(']', ')');
	}

	/** A copy of the dataset with {@code classes} as classes.txt and one label pixel set to {@code value}. */
	private static Path dataset(Path d, int value, String classes) throws Exception {
		Path copy = d.resolve("data");
		for (String sub : List.of("images", "labels")) {
			Files.createDirectories(copy.resolve(sub));
			try (Stream<Path> s = Files.list(data.resolve(sub))) {
				for (Path p : s.toList()) Files.copy(p, copy.resolve(sub).resolve(p.getFileName()));
			}
		}
		Files.writeString(copy.resolve("classes.txt"), classes);
		Path label = Files.list(copy.resolve("labels")).sorted().findFirst().orElseThrow();
		ij.ImagePlus lab = ij.IJ.openImage(label.toString());
		lab.getProcessor().set(3, 2, value);
		ij.io.FileSaver saver = new ij.io.FileSaver(lab);
		assertTrue(ImageFiles.isTiff(label) ? saver.saveAsTiff(label.toString()) : saver.saveAsPng(label.toString()));
		return copy;
	}

	private static List<String> evaluate(Path dataset, String... extra) {
		List<String> a = new ArrayList<>(List.of("evaluate", "--data", dataset.toString(), "--zero-shot", "--seen",
			"red, green", "--weights", W));
		a.addAll(List.of(extra));
		return a;
	}

	/** Items 8 and 9: prompt sets, students and checkpoints that are damaged say so, and what to do. */
	private static void damagedTrainingFiles(List<Named<Row>> r) {
		r.add(row("a prompt set with NaN in its context", 1, "p.prompts is a damaged prompt set (tensor context holds "
			+ "NaN", d -> segment(d, image, "--prompts", DamagedFiles.withNaN(prompts, d.resolve("p.prompts"), "context",
				5).toString())));
		r.add(row("a prompt set whose tau2 is NaN", 1, "p.prompts is a damaged prompt set (tensor tau2 holds NaN", d ->
			segment(d, image, "--prompts", DamagedFiles.withNaN(prompts, d.resolve("p.prompts"), "tau2", 0).toString())));
		r.add(row("a student with NaN in its head", 1, "s.student is a damaged student file (tensor aspp.6.conv.bias", d
			-> segment(d, image, "--student", DamagedFiles.withNaN(student, d.resolve("s.student"), "aspp.6.conv.bias", 0)
				.toString())));
		r.add(row("a student whose GPR features hold NaN", 1, "s.student is a damaged student file (tensor gpr.text", d
			-> segment(d, image, "--student", DamagedFiles.withNaN(gprStudent, d.resolve("s.student"), "gpr.text", 0)
				.toString())));
		r.add(row("a student whose GPR values are unreadable", 1, "s.student is a damaged student file (its GPR values "
			+ "are unreadable", d -> segment(d, image, "--student", DamagedFiles.withMeta(gprStudent, d.resolve(
				"s.student"), "gpr", "{").toString())));
		r.add(row("a truncated student", 1, "s.student is a damaged student file", d -> segment(d, image, "--student",
			DamagedFiles.truncated(student, d.resolve("s.student"), 100).toString())));
		r.add(row("a checkpoint whose iteration exceeds the run", 1, "p.prompts.ckpt is a damaged training checkpoint "
			+ "(iteration 99 is outside 1..6)", d -> resume(d, DamagedFiles.withMeta(promptsCkpt, d.resolve(
				"p.prompts.ckpt"), "iteration", "99"))));
		r.add(row("a checkpoint whose context shrank", 1, "p.prompts.ckpt is a damaged training checkpoint (tensor "
			+ "context is F32 [1, 2, 64], expected F32 [2, 2, 64])", d -> resume(d, DamagedFiles.shrunk(promptsCkpt, d
				.resolve("p.prompts.ckpt"), "context", 1))));
		r.add(row("a checkpoint with NaN momentum", 1, "p.prompts.ckpt is a damaged training checkpoint (tensor "
			+ "momentum_context holds NaN", d -> resume(d, DamagedFiles.withNaN(promptsCkpt, d.resolve("p.prompts.ckpt"),
				"momentum_context", 0))));
		r.add(row("a checkpoint without momentum_context", 1, "p.prompts.ckpt is a damaged training checkpoint (it has "
			+ "no tensor momentum_context)", d -> resume(d, DamagedFiles.without(promptsCkpt, d.resolve("p.prompts.ckpt"),
				"momentum_context"))));
		r.add(row("a truncated checkpoint", 1, "p.prompts.ckpt is a damaged training checkpoint", d -> resume(d,
			DamagedFiles.truncated(promptsCkpt, d.resolve("p.prompts.ckpt"), 50))));
		r.add(row("a student checkpoint whose iteration exceeds the run", 1, "s.student.ckpt is a damaged student "
			+ "checkpoint (iteration 7 is outside 1..6)", d -> {
				DamagedFiles.withMeta(studentCkpt, d.resolve("s.student.ckpt"), "iteration", "7");
				return transfer(d.resolve("s.student"), 6, "--resume");
			}));
		r.add(row("a student checkpoint with a NaN parameter", 1, "s.student.ckpt is a damaged student checkpoint "
			+ "(tensor p0 holds NaN", d -> {
				DamagedFiles.withNaN(studentCkpt, d.resolve("s.student.ckpt"), "p0", 3);
				return transfer(d.resolve("s.student"), 6, "--resume");
			}));
		r.add(row("a student checkpoint whose parameter shrank", 1, "s.student.ckpt is a damaged student checkpoint "
			+ "(tensor v1 is F32 [1]", d -> {
				DamagedFiles.shrunk(studentCkpt, d.resolve("s.student.ckpt"), "v1", 1);
				return transfer(d.resolve("s.student"), 6, "--resume");
			}));
	}

	/** {@code train --resume} of the stopped run's settings, its checkpoint replaced by {@code ckpt}. */
	private static List<String> resume(Path d, Path ckpt) {
		return train(d.resolve("p.prompts"), 6, "--resume");
	}

	/** Items 12, 13. */
	private static void security(List<Named<Row>> r) {
		Path pt = TestFiles.fixture("clip-vit-tiny").resolve("clip.pt");
		r.add(row("an engine registry whose lib leaves the cache", 1, "engine cuda-linux-x86_64 in ", d -> List.of(
			"engine", "status", "--registry", Files.writeString(d.resolve("e.json"), "{\"engines\": {\"cuda-linux-x86_64\": "
				+ "{\"platform\": \"linux-x86_64\", \"version\": \"2.7.1\", \"flavor\": \"cu128\", \"url\": \"http://h/e.zip\", "
				+ "\"file\": \"e.zip\", \"lib\": \"../../../home/x\", \"requires\": []}}}").toString())));
		r.add(row("an output lock that is a symbolic link", 1, "The lock file ", d -> {
			Path target = Files.writeString(d.resolve("precious.txt"), "keep");
			Files.createDirectories(d.resolve("out"));
			Files.createSymbolicLink(d.resolve("out/.mvpseg.lock"), target);
			return segment(d, image);
		}));
		r.add(row("a .pt whose pickle calls posix.system", 1, "evil.pt: data.pkl refers to posix.system", d -> segment(
			d, image, "--weights", DamagedFiles.pickleWith(pt, d.resolve("evil.pt"), DamagedFiles.call("posix",
				"system")).toString())));
		r.add(row("a .pt whose pickle claims a 2 GB string", 1, "big.pt: data.pkl claims a value of 2147483647 bytes",
			d -> segment(d, image, "--weights", DamagedFiles.pickleWith(pt, d.resolve("big.pt"), DamagedFiles.lengthClaim(
				'B', Integer.MAX_VALUE)).toString())));
		r.add(row("a .pt whose pickle claims a negative length", 1, "neg.pt: data.pkl claims a value of -1 bytes", d ->
			segment(d, image, "--weights", DamagedFiles.pickleWith(pt, d.resolve("neg.pt"), DamagedFiles.lengthClaim('T',
				-1)).toString())));
	}

	/** Unclear messages made clear: exit 2 naming the option, or one line that says what is wrong. */
	/** Issue 27: the objects' options, refused before any model loads. */
	private static void objects(List<Named<Row>> r) {
		r.add(row("--objects naming a class not in --classes", 2, "Objects: 'nucleus' is not one of the classes (red, "
			+ "green); name classes of the run, or give all.", d -> segment(d, image, "--objects", "nucleus")));
		r.add(row("--objects without any class", 2, "Objects: name the classes to split into objects", d -> segment(d,
			image, "--objects", " , ")));
		r.add(row("--min-size -5", 2, "The minimum object size is a number of pixels, 0 or more; got -5.", d -> segment(
			d, image, "--objects", "all", "--min-size", "-5")));
		r.add(row("--min-size ten", 2, "The minimum object size is a whole number of pixels (e.g. 20), 0 or more; got "
			+ "'ten'.", d -> segment(d, image, "--objects", "all", "--min-size", "ten")));
		r.add(row("--connectivity 6", 2, "Connectivity must be 4 (pixels touching by a side) or 8", d -> segment(d,
			image, "--objects", "red", "--connectivity", "6")));
		r.add(row("--connectivity without --objects", 2, "--connectivity shapes the objects of --objects", d -> segment(
			d, image, "--connectivity", "4")));
		r.add(row("spark --objects naming a class not in --classes", 2, "Objects: 'blue' is not one of the classes", d ->
			List.of("spark", "--input", image.toString(), "--out", d.resolve("out").toString(), "--classes", "red, green",
				"--weights", W, "--objects", "blue")));
		r.add(row("spark --partitions 0 (refused before Spark starts)", 2, "--partitions must be at least 1, got 0", d ->
			List.of("spark", "--input", image.toString(), "--out", d.resolve("out").toString(), "--classes", "red, green",
				"--weights", W, "--partitions", "0")));
	}

	private static void messages(List<Named<Row>> r) {
		r.add(row("train --lr -1", 2, "--lr must be greater than 0, got -1", d -> train(d.resolve("p"), 2, "--lr",
			"-1")));
		r.add(row("train --lr NaN", 2, "--lr must be a finite number, got 'NaN'", d -> train(d.resolve("p"), 2, "--lr",
			"NaN")));
		r.add(row("train --scale-min 2 --scale-max 1", 2, "--scale-max (1.0) must be at least --scale-min (2.0)", d ->
			train(d.resolve("p"), 2, "--scale-min", "2", "--scale-max", "1")));
		r.add(row("train --lambda-seg NaN", 2, "--lambda-seg must be a finite number", d -> train(d.resolve("p"), 2,
			"--lambda-seg", "NaN")));
		r.add(row("train --weight-decay -1e30", 2, "--weight-decay must be at least 0, got -1e30", d -> train(d.resolve(
			"p"), 2, "--weight-decay", "-1e30")));
		r.add(row("transfer --weight-decay -1e30", 2, "--weight-decay must be at least 0, got -1e30", d -> transfer(d
			.resolve("s"), 2, "--weight-decay", "-1e30")));
		r.add(row("train --prompts-out into a missing folder", 2, "The folder", d -> train(d.resolve("nodir/p"), 2)));
		r.add(row("transfer --student-out into a missing folder", 2, "The folder", d -> transfer(d.resolve("nodir/s"),
			2)));
		r.add(row("evaluate --json into a missing folder", 2, "The folder", d -> evaluate(data, "--json", d.resolve(
			"nodir/x.json").toString())));
		r.add(row("a student listing 3 classes for 2 embeddings", 1, "s.student is a damaged student file (tensor "
			+ "embeddings is F32 [1, 2, 64], expected F32 [any, 3, 64])", d -> segment(d, image, "--student", DamagedFiles
				.withMeta(student, d.resolve("s.student"), "classes", "[\"red\", \"green\", \"blue\"]").toString())));
		r.add(row("--weights naming a folder", 2, "The weights", d -> segment(d, image, "--weights", d.toString())));
		r.add(row("--short-side 100000 on a small image", 1, "A short side of 100000 would enlarge this", d -> segment(d,
			image, "--short-side", "100000")));
		r.add(row("--features naming a file", 2, "--features names a folder where image features are kept", d -> segment(
			d, image, "--features", image.toString())));
		r.add(row("--features-precision fp8", 2, "--features-precision: feature precision must be fp32 or fp16, not "
			+ "\"fp8\"", d -> segment(d, image, "--features", d.resolve("f").toString(), "--features-precision", "fp8")));
		r.add(row("--features-precision without --features", 2, "--features-precision needs --features DIR", d -> segment(
			d, image, "--features-precision", "fp16")));
		r.add(row("--gpr-form linear", 2, "--gpr-form: unknown GPR form 'linear': choose siglip", d -> train(d.resolve(
			"g.prompts"), 2, "--gpr-form", "linear")));
		r.add(row("--drop-absent without a prompt set", 2, "Leaving out classes judged absent uses Global Prompt "
			+ "Refining's g_c", d -> segment(d, image, "--drop-absent")));
		r.add(row("--drop-absent with --no-gpr", 2, "Leaving out classes judged absent uses Global Prompt Refining's g_c",
			d -> segment(d, image, "--prompts", prompts.toString(), "--no-gpr", "--drop-absent")));
		r.add(row("evaluate --drop-absent with --zero-shot only", 2, "Leaving out classes judged absent needs a prompt "
			+ "set", d -> evaluate(data, "--drop-absent")));
		r.add(row("two inputs whose outputs would share names", 2, "these images would write outputs of the same names",
			d -> segment(d, image, Files.copy(image, Files.createDirectories(d.resolve("copy")).resolve(image.getFileName()))
				.toString())));
		String sha = "0".repeat(64);
		r.add(row("a registry whose url is file:///", 1, "tiny's address file:///", d -> List.of("fetch-model", "tiny",
			"--dir", d.resolve("cache").toString(), "--registry", Files.writeString(d.resolve("r.json"), "{\"models\": "
				+ "{\"tiny\": {\"url\": \"file://" + W + "\", \"sha256\": \"" + sha + "\", \"file\": \"tiny.pt\"}}}")
				.toString())));
		// without sha256 an entry is valid (the first download's is recorded and shown: ModelFoldersTest); without url not
		r.add(row("a registry entry without url", 1, "model tiny in ", d -> List.of("fetch-model", "tiny", "--dir", d
			.resolve("cache").toString(), "--registry", Files.writeString(d.resolve("r.json"), "{\"models\": {\"tiny\": "
				+ "{\"sha256\": \"" + "0".repeat(64) + "\"}}}").toString())));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("rows")
	void eachBadInputEndsWithItsMessage(Row row) throws Exception {
		Path dir = Files.createDirectories(tmp.resolve("row" + rowNumber++));
		MainTest.Result res = row.input().in(dir);
		String all = res.out() + res.err();
		assertEquals(row.exit(), res.code(), all);
		// the message starts a line, after "mvp-seg COMMAND: " or (one image of several) "failed: "
		boolean found = all.lines().map(l -> l.strip().replaceFirst("^mvp-seg [a-z-]+: |^failed: ", "")).anyMatch(
			l -> l.startsWith(row.message()));
		assertTrue(found, "expected a line starting \"" + row.message() + "\":\n" + all);
		assertFalse(all.contains("Exception") || all.toLowerCase().contains("download it again"), all);
	}
}
