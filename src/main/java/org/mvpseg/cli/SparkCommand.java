package org.mvpseg.cli;

import org.mvpseg.batch.FileSegmentation;
import org.mvpseg.imagej.ImageFiles;
import org.mvpseg.io.SegmentationFiles;
import org.mvpseg.pipeline.SegmentRequest;
import org.mvpseg.spark.Job;
import org.mvpseg.spark.SegmentJob;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@code spark}: parses the command line once into a {@link Job} (every path absolute, every mistake refused before
 * Spark starts) and runs {@link SegmentJob} with it. With Spark on the class path (spark-submit, tests) directly; from
 * {@code java -jar mvp-seg.jar} it loads the job and Spark from this jar's folder ({@code lib/} and {@code lib/spark/},
 * which {@code mvn package} fills) in a class loader of their own, so Spark never rides along into the ImageJ and
 * Fiji installs; the job then crosses into that loader serialised. This class itself names no Spark class.
 */
final class SparkCommand implements Main.Subcommand {

	@Override
	public String usage() {
		return "spark --input DIR|GLOB|LISTFILE --out DIR --classes \"a, b\" [--master local[N]|spark://HOST:PORT] "
			+ "[--partitions N] [--tile N] [--outputs labels,probabilities,summary] [--overwrite] and the options of "
			+ "segment";
	}

	@Override
	public int run(String[] argv, PrintStream out) throws Exception {
		Job job = job(argv);
		if (sparkPresent(SparkCommand.class.getClassLoader())) return SegmentJob.run(job, out);
		if (System.getProperty("log4j2.configurationFile") == null) System.setProperty("log4j2.configurationFile",
			String.valueOf(SparkCommand.class.getResource("spark-log4j2.properties")));
		URL[] classPath = classPath();
		shipJars(job.master() == null ? "local[*]" : job.master(), classPath);
		// left open: Spark's and Hadoop's shutdown hooks load classes from it when the JVM exits
		URLClassLoader loader = new URLClassLoader(classPath, ClassLoader.getPlatformClassLoader());
		ClassLoader previous = Thread.currentThread().getContextClassLoader();
		Thread.currentThread().setContextClassLoader(loader);
		try {
			return (Integer) loader.loadClass(SegmentJob.class.getName()).getMethod("run", byte[].class, PrintStream.class)
				.invoke(null, job.bytes(), out);
		}
		catch (InvocationTargetException e) {
			throw ownClass(e.getCause());
		}
		finally {
			Thread.currentThread().setContextClassLoader(previous);
		}
	}

	/** Options naming files or folders: made absolute on the driver, since executors run in folders of their own. */
	static final Set<String> PATH_OPTIONS = paths("input", "out", "weights", "models-dir", "registry", "features");

	/** These and the option table's files. */
	private static Set<String> paths(String... own) {
		Set<String> s = new java.util.HashSet<>(List.of(own));
		s.addAll(org.mvpseg.pipeline.SegmentOption.files());
		return java.util.Collections.unmodifiableSet(s);
	}

	/**
	 * The job from the command line, parsed once: the request and the outputs (checked as {@code segment} checks
	 * them), the images, every path absolute; mistakes the driver can see stop here, before Spark starts.
	 */
	static Job job(String[] argv) throws IOException {
		Args a = parse(argv).absolute(PATH_OPTIONS);
		Path outDir = Path.of(a.require("out"));
		List<String> images = inputs(a.require("input"));
		SegmentCommand.requireDistinctNames(images.stream().map(Path::of).toList());
		if (Files.exists(outDir) && !Files.isDirectory(outDir)) throw new Args.UsageException(outDir + " is a file: "
			+ "give a folder with --out (it is created if missing)");
		if (Files.exists(outDir.resolve("results.parquet")) && !a.has("overwrite")) throw new Args.UsageException(
			outDir.resolve("results.parquet") + " exists: pass --overwrite to segment again (complete outputs of an "
				+ "image are then replaced), or choose another --out");
		SegmentRequest request = SegmentCommand.request(a);
		FileSegmentation.Target target = SegmentCommand.target(a, outDir, SegmentationFiles.Output.parse(outputs(a)));
		Path weights = request.model().weights();
		if (weights != null && !Files.isRegularFile(weights)) throw new java.nio.file.NoSuchFileException(weights
			+ " (the weights must be where the driver and every executor can read them)");
		return Job.of(request, target, images, a.integer("tile", 0, 64), a.integer("partitions", 0, 1), a.get("master",
			null));
	}

	/**
	 * With a cluster's master (not {@code local[N]}, whose tasks run in this JVM) Spark sends this jar and its lib/ jars
	 * to the executors ({@code spark.jars}), which have Spark of their own, unless the user set spark.jars.
	 */
	private static void shipJars(String master, URL[] classPath) throws Exception {
		if (master.startsWith("local[") || master.equals("local") || System.getProperty("spark.jars") != null) return;
		List<String> jars = new ArrayList<>();
		for (URL u : classPath) if (!u.getPath().contains("/lib/spark/")) jars.add(Path.of(u.toURI()).toString());
		System.setProperty("spark.jars", String.join(",", jars));
	}

	/**
	 * The job's exception in this class loader's terms: MVP-SEG's own exceptions thrown in Spark's class loader are
	 * other classes of the same name, which {@link Main} would report as unexpected.
	 */
	static Exception ownClass(Throwable t) {
		String name = t.getClass().getName();
		if (name.equals(org.mvpseg.runtime.RequestException.class.getName())) return new org.mvpseg.runtime
			.RequestException(t.getMessage());
		if (name.startsWith("org.mvpseg.")) return new IllegalStateException(t.getMessage(), t);
		return t instanceof Exception x ? x : new RuntimeException(t);
	}

	static final Set<String> JOB_OPTIONS = Set.of("master", "input", "out", "partitions", "outputs", "tile");

	/**
	 * The job's options: those of segment, and where the images are, the master, the partitions and the tiles of huge
	 * images. Tiled images are segmented at their own size and write no probabilities: refused here, before Spark.
	 */
	static Args parse(String[] argv) {
		Set<String> valued = SegmentCommand.valued(SegmentCommand.REQUEST_OPTIONS, "classes");
		valued.addAll(JOB_OPTIONS);
		valued.addAll(SegmentCommand.FEATURE_OPTIONS);
		valued.addAll(SegmentCommand.OBJECT_OPTIONS);
		Args a = new Args(argv, 1, valued, SegmentCommand.switches(SegmentCommand.REQUEST_OPTIONS, "overwrite"));
		if (a.has("tile")) {
			a.integer("tile", 0, 64);
			if (a.has("short-side") || "paper".equals(a.get("protocol", null))) throw new Args.UsageException("--tile "
				+ "segments huge images at their own size, window by window: leave out --short-side and --protocol paper "
				+ "(a resize or one window over the whole image needs every pixel at once)");
			if (SegmentationFiles.Output.parse(outputs(a)).contains(SegmentationFiles.Output.PROBABILITIES)) throw new Args
				.UsageException("--tile writes labels and summaries: probabilities of a huge image take 4 bytes per pixel "
					+ "and class (120 GB for 100 000 x 100 000 pixels and 3 classes); leave probabilities out of --outputs");
		}
		return a;
	}

	/** The outputs asked for; without --outputs all three, or labels and summary with --tile. */
	static String outputs(Args a) {
		return a.get("outputs", a.has("tile") ? "labels,summary" : "labels,probabilities,summary");
	}

	/**
	 * A folder's images, the images a glob matches ({@code /data/plate*}{@code /*.tif}; {@code **} crosses folders),
	 * or the lines of a list file (one path per line); paths every executor must see.
	 */
	static List<String> inputs(String input) throws IOException {
		if (input.chars().anyMatch(ch -> "*?[{".indexOf(ch) >= 0)) return glob(input);
		Path p = Path.of(input);
		if (Files.isRegularFile(p) && !ImageFiles.isImage(p)) {
			List<String> out = new ArrayList<>();
			for (String line : Files.readAllLines(p)) if (!line.isBlank()) out.add(Path.of(line.strip()).toAbsolutePath()
				.toString());
			if (out.isEmpty()) throw new Args.UsageException(input + " lists no images");
			return out;
		}
		return ImageFiles.collect(List.of(input)).stream().map(x -> x.toAbsolutePath().toString()).toList();
	}

	/** The images whose absolute paths match the glob {@code pattern}, sorted. */
	static List<String> glob(String pattern) throws IOException {
		String[] parts = pattern.split("/", -1);
		int fixed = 0; // leading folders without wildcards: where to start looking
		while (fixed < parts.length - 1 && parts[fixed].chars().noneMatch(ch -> "*?[{".indexOf(ch) >= 0)) fixed++;
		Path base = Path.of(fixed == 0 ? "/" : String.join("/", java.util.Arrays.copyOf(parts, fixed)) + "/");
		int depth = pattern.contains("**") ? Integer.MAX_VALUE : parts.length - fixed;
		java.nio.file.PathMatcher m = base.getFileSystem().getPathMatcher("glob:" + pattern);
		if (!Files.isDirectory(base)) throw new java.nio.file.NoSuchFileException(base.toString());
		try (var s = Files.walk(base, depth)) {
			List<String> out = s.filter(x -> Files.isRegularFile(x) && m.matches(x) && ImageFiles.isImage(x)).map(
				Path::toString).sorted().toList();
			if (out.isEmpty()) throw new Args.UsageException(pattern + " matches no images (quote it, so that the "
				+ "shell leaves it to MVP-SEG)");
			return out;
		}
	}

	static boolean sparkPresent(ClassLoader loader) {
		try {
			Class.forName("org.apache.spark.sql.SparkSession", false, loader);
			return true;
		}
		catch (ClassNotFoundException e) {
			return false;
		}
	}

	/** This jar, its lib/ jars and lib/spark/ jars; a clear message when Spark's jars are not there. */
	private static URL[] classPath() throws Exception {
		Path jar = Path.of(SparkCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
		Path lib = jar.getParent().resolve("lib"), spark = lib.resolve("spark"); // target/lib beside target/x.jar
		if (!Files.isDirectory(spark)) throw new Args.UsageException("Spark's jars are not in " + spark + ": build with "
			+ "mvn package (it copies them there), or run the job with spark-submit --class " + SparkJob.class.getName()
			+ " " + jar.getFileName());
		List<URL> urls = new ArrayList<>();
		for (Path p : jars(lib, spark)) urls.add(p.toUri().toURL());
		urls.add(jar.toUri().toURL()); // last: the jars its manifest's Class-Path names are searched right after it
		return urls.toArray(new URL[0]);
	}

	/**
	 * The jars of lib/ and lib/spark/, less lib/'s SLF4J 1.7 API where lib/spark/ holds SLF4J 2's: Spark binds its
	 * log4j 2 through SLF4J 2, and with the older API first its warnings and errors would vanish.
	 */
	static List<Path> jars(Path lib, Path spark) throws java.io.IOException {
		List<Path> out = new ArrayList<>();
		for (Path dir : List.of(lib, spark))
			try (Stream<Path> s = Files.list(dir)) {
				s.filter(p -> p.toString().endsWith(".jar")).sorted().forEach(out::add);
			}
		if (out.stream().anyMatch(p -> p.getFileName().toString().startsWith("slf4j-api-2."))) out.removeIf(p -> p
			.getFileName().toString().startsWith("slf4j-api-1."));
		return out;
	}

}
