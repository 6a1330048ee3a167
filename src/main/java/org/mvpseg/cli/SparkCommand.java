package org.mvpseg.cli;

import org.mvpseg.io.SegmentationFiles;

import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@code spark}: runs {@link SparkJob}. With Spark on the class path (spark-submit, tests) directly; from
 * {@code java -jar mvp-seg.jar} it loads the job and Spark from this jar's folder ({@code lib/} and {@code lib/spark/},
 * which {@code mvn package} fills) in a class loader of their own, so Spark never rides along into the ImageJ and
 * Fiji installs. This class itself names no Spark class.
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
		parse(argv); // an unknown option is refused before Spark starts
		if (sparkPresent(SparkCommand.class.getClassLoader())) return SparkJob.run(argv, out);
		if (System.getProperty("log4j2.configurationFile") == null) System.setProperty("log4j2.configurationFile",
			String.valueOf(SparkCommand.class.getResource("spark-log4j2.properties")));
		URL[] classPath = classPath();
		shipJars(parse(argv).get("master", "local[*]"), classPath);
		// left open: Spark's and Hadoop's shutdown hooks load classes from it when the JVM exits
		URLClassLoader loader = new URLClassLoader(classPath, ClassLoader.getPlatformClassLoader());
		ClassLoader previous = Thread.currentThread().getContextClassLoader();
		Thread.currentThread().setContextClassLoader(loader);
		try {
			return (Integer) loader.loadClass(SparkJob.class.getName()).getMethod("run", String[].class, PrintStream.class)
				.invoke(null, argv, out);
		}
		catch (InvocationTargetException e) {
			throw ownClass(e.getCause());
		}
		finally {
			Thread.currentThread().setContextClassLoader(previous);
		}
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
		if (name.equals(Args.UsageException.class.getName())) return new Args.UsageException(t.getMessage());
		if (name.equals(org.mvpseg.runtime.RequestException.class.getName())) return new org.mvpseg.runtime
			.RequestException(t.getMessage());
		if (name.startsWith("org.mvpseg.")) return new IllegalStateException(t.getMessage(), t);
		return t instanceof Exception x ? x : new RuntimeException(t);
	}

	static final java.util.Set<String> JOB_OPTIONS = java.util.Set.of("master", "input", "out", "partitions",
		"outputs", "tile");

	/**
	 * The job's options: those of segment, and where the images are, the master, the partitions and the tiles of huge
	 * images. Tiled images are segmented at their own size and write no probabilities: refused here, before Spark.
	 */
	static Args parse(String[] argv) {
		java.util.Set<String> valued = new java.util.HashSet<>(ModelArgs.OPTIONS);
		valued.addAll(SegmentCommand.REQUEST_OPTIONS);
		valued.addAll(JOB_OPTIONS);
		valued.addAll(SegmentCommand.FEATURE_OPTIONS);
		valued.addAll(SegmentCommand.OBJECT_OPTIONS);
		Args a = new Args(argv, 1, valued, java.util.Set.of("overwrite", "no-gpr", "pamr", "half"));
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

	/** The options that decide a segmentation's result (not where, how many tasks, or whether to overwrite). */
	static List<String> segmentationOptions(String[] argv) {
		List<String> out = new ArrayList<>();
		for (int i = 1; i < argv.length; i++) {
			String k = argv[i];
			if (List.of("--master", "--partitions", "--input", "--out").contains(k)) i++;
			else if (!k.equals("--overwrite")) out.add(k);
		}
		return out;
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
