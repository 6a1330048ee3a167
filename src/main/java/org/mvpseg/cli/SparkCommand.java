package org.mvpseg.cli;

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
		return "spark --input DIR|LISTFILE --out DIR --classes \"a, b\" [--master local[N]|spark://HOST:PORT] "
			+ "[--partitions N] [--outputs labels,probabilities,summary] [--overwrite] and the options of segment";
	}

	@Override
	public int run(String[] argv, PrintStream out) throws Exception {
		parse(argv); // an unknown option is refused before Spark starts
		if (sparkPresent(SparkCommand.class.getClassLoader())) return SparkJob.run(argv, out);
		// left open: Spark's and Hadoop's shutdown hooks load classes from it when the JVM exits
		URLClassLoader loader = new URLClassLoader(classPath(), ClassLoader.getPlatformClassLoader());
		ClassLoader previous = Thread.currentThread().getContextClassLoader();
		Thread.currentThread().setContextClassLoader(loader);
		try {
			return (Integer) loader.loadClass(SparkJob.class.getName()).getMethod("run", String[].class, PrintStream.class)
				.invoke(null, argv, out);
		}
		catch (InvocationTargetException e) {
			throw e.getCause() instanceof Exception x ? x : new RuntimeException(e.getCause());
		}
		finally {
			Thread.currentThread().setContextClassLoader(previous);
		}
	}

	static final java.util.Set<String> JOB_OPTIONS = java.util.Set.of("master", "input", "out", "partitions",
		"outputs");

	/** The job's options: those of segment, and where the images are, the master and the partitions. */
	static Args parse(String[] argv) {
		java.util.Set<String> valued = new java.util.HashSet<>(ModelArgs.OPTIONS);
		valued.addAll(SegmentCommand.REQUEST_OPTIONS);
		valued.addAll(JOB_OPTIONS);
		return new Args(argv, 1, valued, java.util.Set.of("overwrite", "no-gpr", "pamr", "half"));
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
		List<URL> urls = new ArrayList<>(List.of(jar.toUri().toURL()));
		for (Path dir : List.of(lib, spark))
			try (Stream<Path> s = Files.list(dir)) {
				for (Path p : (Iterable<Path>) s.sorted()::iterator) if (p.toString().endsWith(".jar")) urls.add(p.toUri()
					.toURL());
			}
		return urls.toArray(new URL[0]);
	}

}
