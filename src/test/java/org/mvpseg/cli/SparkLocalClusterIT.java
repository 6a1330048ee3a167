package org.mvpseg.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The job on a multi-process Spark cluster: {@code local-cluster[2,1,1024]} — a standalone master and two workers in
 * the driver's JVM, each worker launching an executor JVM with Spark's launcher — started from the built jar exactly as
 * a user would ({@code java -jar target/mvp-seg-*.jar spark --master …}). The launcher wants a Spark home; one is
 * assembled from Maven's jars (target/lib/spark/, with the Commons jars Spark shares with this project), and this
 * project's jar and its own libraries reach the executors the way they reach a real cluster's: through
 * {@code spark.jars}, which the spark subcommand sets for any master that is not {@code local[N]}.
 */
class SparkLocalClusterIT {

	@TempDir
	Path tmp;

	@Test
	void twoExecutorProcessesSegmentImagesAndTilesAsTheCommandLineDoes() throws Exception {
		Path home = sparkHome();
		Path in = Files.createDirectories(tmp.resolve("in"));
		Files.copy(Path.of("examples", "chelsea.png"), in.resolve("chelsea.png"));
		ImagePlus cell = IJ.openImage(Path.of("examples", "cell.png").toString());
		ij.process.ImageProcessor sixteen = cell.getProcessor().convertToShort(false);
		sixteen.multiply(37);
		IJ.saveAsTiff(new ImagePlus("cell16", sixteen), in.resolve("cell16.tif").toString());
		// relative paths: executors run in folders of their own, the driver makes them absolute
		Path weights = Path.of("").toAbsolutePath().relativize(Path.of(SegmentCommandTest.WEIGHTS).toAbsolutePath());
		ProcessBuilder pb = new ProcessBuilder(java(), "-jar", jar().toString(), "spark", "--master",
			"local-cluster[2,1,1024]", "--input", in.toString(), "--out", tmp.resolve("spark").toString(), "--classes",
			"cat, grass, sky", "--weights", weights.toString(), "--tile", "300", "--partitions", "4").redirectErrorStream(
				true).redirectOutput(tmp.resolve("driver.log").toFile());
		pb.environment().put("SPARK_HOME", home.toString());
		pb.environment().put("SPARK_SCALA_VERSION", "2.13"); // a distribution's scripts say it; this home has none
		Process p = pb.start();
		boolean ended = p.waitFor(420, TimeUnit.SECONDS);
		if (!ended) p.destroyForcibly();
		String log = Files.readString(tmp.resolve("driver.log"));
		assertTrue(ended, "the job did not end within 7 minutes: " + log);
		assertEquals(0, p.exitValue(), log);
		assertTrue(log.contains("cell16.tif: 550x660 in 6 tiles of at most 300x300"), log);
		assertTrue(log.contains("2 image(s), 0 failed"), log);
		// two executor JVMs, both of which ran tasks
		List<Path> executors = executorLogs(home);
		assertEquals(2, executors.size(), executors.toString());
		for (Path e : executors) assertTrue(Files.readString(e).contains("Finished task"), e + " ran no task");
		Path cli = tmp.resolve("cli");
		MainTest.Result c = MainTest.run("segment", in.resolve("chelsea.png").toString(), in.resolve("cell16.tif")
			.toString(), "--classes", "cat, grass, sky", "--weights", SegmentCommandTest.WEIGHTS, "--out", cli.toString(),
			"--outputs", "labels,summary");
		assertEquals(0, c.code(), c.out() + c.err());
		for (String name : List.of("chelsea", "cell16")) {
			ImagePlus a = IJ.openImage(tmp.resolve("spark").resolve(name + ".labels.tif").toString());
			ImagePlus b = IJ.openImage(cli.resolve(name + ".labels.tif").toString());
			assertArrayEquals((byte[]) b.getProcessor().getPixels(), (byte[]) a.getProcessor().getPixels(), name);
		}
	}

	/** A Spark home: jars/ holds Spark's jars (and the Commons jars it shares with this project), nothing of ours. */
	private Path sparkHome() throws Exception {
		Path jars = Files.createDirectories(tmp.resolve("spark-home").resolve("jars"));
		List<Path> from = new ArrayList<>();
		try (Stream<Path> s = Files.list(Path.of("target", "lib", "spark"))) {
			s.forEach(from::add);
		}
		try (Stream<Path> s = Files.list(Path.of("target", "lib"))) {
			s.filter(x -> x.getFileName().toString().startsWith("commons-")).forEach(from::add);
		}
		assertTrue(from.size() > 100, "target/lib/spark holds Spark's jars after mvn package: " + from.size());
		for (Path f : from) Files.createSymbolicLink(jars.resolve(f.getFileName()), f.toAbsolutePath());
		return jars.getParent();
	}

	private static List<Path> executorLogs(Path home) throws Exception {
		try (Stream<Path> s = Files.walk(home.resolve("work"))) {
			return s.filter(x -> x.getFileName().toString().equals("stderr")).sorted().toList();
		}
	}

	private static Path jar() throws Exception {
		try (Stream<Path> s = Files.list(Path.of("target"))) {
			return s.filter(x -> x.getFileName().toString().matches("mvp-seg-[^-]+(-SNAPSHOT)?\\.jar")).findFirst()
				.orElseThrow(() -> new AssertionError("no target/mvp-seg-*.jar: run mvn package"));
		}
	}

	private static String java() {
		return Path.of(System.getProperty("java.home"), "bin", "java").toString();
	}
}
