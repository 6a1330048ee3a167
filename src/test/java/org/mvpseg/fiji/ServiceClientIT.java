package org.mvpseg.fiji;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvpseg.TestFiles;
import org.mvpseg.cli.MainTestAccess;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Another plugin's view of the script service (runs after package, in `mvn verify`): a Java client compiled against
 * the built jar, imglib2 and scijava-common alone gets {@link MvpSegService} from a Context, passes an XYC
 * UnsignedByteType image and gets the command line's labels, the same for a translated view, and probabilities that
 * sum to 1.
 */
class ServiceClientIT {

	@TempDir
	Path tmp;

	private static List<String> classPath() {
		return Stream.of(System.getProperty("java.class.path").split(File.pathSeparator)).filter(e -> !e.endsWith(
			"classes")).toList();
	}

	private static String jar() throws Exception {
		try (Stream<Path> s = Files.list(Path.of("target"))) {
			return s.filter(p -> p.getFileName().toString().matches("mvp-seg-[0-9.]+(-SNAPSHOT)?\\.jar")).findFirst()
				.orElseThrow(() -> new AssertionError("no target/mvp-seg-*.jar: run mvn package")).toAbsolutePath()
				.toString();
		}
	}

	@Test
	void aClientCompiledAgainstTheJarGetsTheCommandLinesLabels() throws Exception {
		String jar = jar(), weights = TestFiles.fixture("clip-vit-tiny").resolve("clip.pt").toString();
		List<String> compile = new ArrayList<>(List.of(jar));
		for (String e : classPath())
			if (Path.of(e).getFileName().toString().matches("(imglib2|scijava-common)-[0-9].*\\.jar")) compile.add(e);
		assertEquals(3, compile.size(), "the jar, imglib2 and scijava-common: " + compile);
		Path src = Files.createDirectories(tmp.resolve("src")), out = Files.createDirectories(tmp.resolve("out"));
		Files.copy(Path.of("src", "test", "resources", "client", "Client.java"), src.resolve("Client.java"));
		int javac = javax.tools.ToolProvider.getSystemJavaCompiler().run(null, null, null, "-proc:none", "-cp", String
			.join(File.pathSeparator, compile), "-d", src.toString(), src.resolve("Client.java").toString());
		assertEquals(0, javac, "the client compiles against " + compile);
		List<String> run = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
			"-Dai.djl.offline=true", "-cp", src + File.pathSeparator + jar + File.pathSeparator + String.join(
				File.pathSeparator, classPath()), "Client", Path.of("examples", "chelsea.png").toAbsolutePath().toString(),
			weights, out.toString()));
		String log = RealImageJTest.runProcess(run, tmp.resolve("client.log"));
		Path cli = tmp.resolve("cli");
		assertEquals(0, MainTestAccess.run("segment", Path.of("examples", "chelsea.png").toString(), "--classes",
			"cat, grass, sky", "--weights", weights, "--out", cli.toString(), "--outputs", "labels"));
		byte[] expected = (byte[]) IJ.openImage(cli.resolve("chelsea.labels.tif").toString()).getProcessor().getPixels();
		assertArrayEquals(expected, Files.readAllBytes(out.resolve("labels.raw")), "the command line's labels: " + log);
		assertArrayEquals(expected, Files.readAllBytes(out.resolve("translated.raw")), "a translated view: " + log);
		assertTrue(Double.parseDouble(Files.readString(out.resolve("sum.txt"))) < 1e-5, "probabilities sum to 1");
	}
}
