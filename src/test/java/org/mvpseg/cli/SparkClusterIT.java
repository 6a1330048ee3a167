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
 * The job on multi-process Spark clusters. First {@code local-cluster[2,1,1024]} — a standalone master and two workers in
 * the driver's JVM, each worker launching an executor JVM with Spark's launcher — started from the built jar exactly as
 * a user would ({@code java -jar target/mvp-seg-*.jar spark --master …}). The launcher wants a Spark home; one is
 * assembled from Maven's jars (target/lib/spark/, with the Commons jars Spark shares with this project), and this
 * project's jar and its own libraries reach the executors the way they reach a real cluster's: through
 * {@code spark.jars}, which the spark subcommand sets for any master that is not {@code local[N]}. Then a standalone
 * master and worker, each a process of its own, run the job twice: from the jar with {@code --master spark://…}, and
 * through {@code SparkSubmit} (the class behind {@code spark-submit}) with {@code --jars}.
 */
class SparkClusterIT {

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
		// relative paths, also in the --key=value form: executors run in folders of their own, the driver makes them
		// absolute
		Path weights = Path.of("").toAbsolutePath().relativize(Path.of(SegmentCommandTest.WEIGHTS).toAbsolutePath());
		ProcessBuilder pb = new ProcessBuilder(java(), "-jar", jar().toString(), "spark", "--master",
			"local-cluster[2,1,1024]", "--input", in.toString(), "--out", tmp.resolve("spark").toString(), "--classes",
			"cat, grass, sky", "--weights=" + weights, "--tile", "300", "--partitions", "4").redirectErrorStream(
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

	/**
	 * From the jar the job runs in Spark's own class loader: its refusals still end with the message and exit code 2,
	 * not as an "unexpected" exception of a class of the same name; nothing is written.
	 */
	@Test
	void mistakesSeenByTheJobFromTheJarAreMessages() throws Exception {
		Path out = Files.createDirectories(tmp.resolve("out").resolve("results.parquet")).getParent();
		for (List<String> extra : List.of(List.of("--tile", "10"), List.<String>of())) {
			List<String> cmd = new ArrayList<>(List.of(java(), "-jar", jar().toString(), "spark", "--input", Path.of(
				"examples", "cell.png").toAbsolutePath().toString(), "--out", out.toString(), "--classes", "a, b",
				"--weights", SegmentCommandTest.WEIGHTS));
			cmd.addAll(extra);
			Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
			String text = new String(p.getInputStream().readAllBytes());
			assertTrue(p.waitFor(120, TimeUnit.SECONDS));
			assertEquals(2, p.exitValue(), text);
			assertTrue(text.contains(extra.isEmpty() ? "pass --overwrite" : "--tile must be at least 64"), text);
			assertTrue(!text.contains("unexpected"), text);
		}
		try (Stream<Path> s = Files.list(out)) {
			assertEquals(List.of("results.parquet"), s.map(x -> x.getFileName().toString()).toList());
		}
	}

	/** The Java 17 options Spark's launcher scripts give every Spark process (org.apache.spark.launcher.JavaModuleOptions). */
	private static final List<String> OPENS = List.of("-XX:+IgnoreUnrecognizedVMOptions",
		"--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
		"--add-opens=java.base/java.lang.reflect=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
		"--add-opens=java.base/java.net=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
		"--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
		"--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED", "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED",
		"--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED",
		"--add-opens=java.base/sun.security.action=ALL-UNNAMED", "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED");

	@Test
	void standaloneMasterAndWorkerRunTheJobFromTheJarAndThroughSparkSubmit() throws Exception {
		Path home = sparkHome();
		Path in = Files.createDirectories(tmp.resolve("in"));
		Files.copy(Path.of("examples", "chelsea.png"), in.resolve("chelsea.png"));
		Files.copy(Path.of("examples", "cell.png"), in.resolve("cell.png"));
		int port;
		try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
			port = s.getLocalPort();
		}
		String master = "spark://127.0.0.1:" + port, sparkJars = home.resolve("jars") + "/*";
		List<Process> cluster = new ArrayList<>();
		try {
			cluster.add(spark(home, "master.log", List.of("-cp", sparkJars, "org.apache.spark.deploy.master.Master",
				"--host", "127.0.0.1", "--port", String.valueOf(port), "--webui-port", "0")));
			cluster.add(spark(home, "worker.log", List.of("-cp", sparkJars, "org.apache.spark.deploy.worker.Worker",
				"--host", "127.0.0.1", "--cores", "2", "--memory", "2g", "--webui-port", "0", "--work-dir", home.resolve(
					"work").toString(), master)));
			String weights = Path.of(SegmentCommandTest.WEIGHTS).toAbsolutePath().toString();
			List<String> job = List.of("--input", in.toString(), "--classes", "cat, grass, sky", "--weights", weights);
			List<String> fromJar = new ArrayList<>(List.of("-jar", jar().toString(), "spark", "--master", master, "--out",
				tmp.resolve("jar").toString()));
			fromJar.addAll(job);
			String jars = String.join(",", libJars());
			List<String> submit = new ArrayList<>(List.of("-cp", sparkJars, "org.apache.spark.deploy.SparkSubmit",
				"--master", master, "--class", SparkJob.class.getName(), "--jars", jars, jar().toString(), "--out", tmp
					.resolve("submit").toString()));
			submit.addAll(job);
			for (List<String> run : List.of(fromJar, submit)) {
				String name = run == fromJar ? "jar" : "submit";
				Process p = spark(home, name + ".log", run);
				boolean ended = p.waitFor(300, TimeUnit.SECONDS);
				if (!ended) p.destroyForcibly();
				String log = Files.readString(tmp.resolve(name + ".log"));
				assertTrue(ended && p.exitValue() == 0, name + ": " + log);
				assertTrue(log.contains("2 image(s), 0 failed"), log);
			}
		}
		finally {
			for (Process p : cluster) p.destroy();
		}
		for (String name : List.of("chelsea", "cell")) {
			ImagePlus a = IJ.openImage(tmp.resolve("jar").resolve(name + ".labels.tif").toString());
			ImagePlus b = IJ.openImage(tmp.resolve("submit").resolve(name + ".labels.tif").toString());
			assertArrayEquals((byte[]) a.getProcessor().getPixels(), (byte[]) b.getProcessor().getPixels(), name);
		}
		List<Path> executors = executorLogs(home);
		assertEquals(2, executors.size(), "one executor per application: " + executors);
		for (Path e : executors) assertTrue(Files.readString(e).contains("Finished task"), e + " ran no task");
	}

	/** A Java process with Spark's options and environment, its output in {@code log}. */
	private Process spark(Path home, String log, List<String> args) throws Exception {
		List<String> cmd = new ArrayList<>(List.of(java()));
		cmd.addAll(OPENS);
		cmd.addAll(args);
		ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve(log).toFile());
		pb.environment().put("SPARK_HOME", home.toString());
		pb.environment().put("SPARK_SCALA_VERSION", "2.13");
		Process p = pb.start();
		if (log.startsWith("master") || log.startsWith("worker")) waitFor(tmp.resolve(log), log.startsWith("master")
			? "I have been elected leader" : "Successfully registered with master", p);
		return p;
	}

	private static void waitFor(Path log, String line, Process p) throws Exception {
		for (int i = 0; i < 120; i++) {
			if (Files.exists(log) && Files.readString(log).contains(line)) return;
			if (!p.isAlive()) break;
			Thread.sleep(500);
		}
		throw new AssertionError("no '" + line + "' in " + log + ": " + (Files.exists(log) ? Files.readString(log) : ""));
	}

	/** This project's libraries for {@code --jars}: target/lib/ less SLF4J 1.7 (Spark binds SLF4J 2). */
	private static List<String> libJars() throws Exception {
		try (Stream<Path> s = Files.list(Path.of("target", "lib"))) {
			return s.filter(x -> x.toString().endsWith(".jar") && !x.getFileName().toString().startsWith("slf4j-api-1."))
				.map(x -> x.toAbsolutePath().toString()).sorted().toList();
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
