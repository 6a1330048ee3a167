package org.mvpseg.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ij.IJ;
import ij.ImagePlus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvpseg.TestFiles;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * The distributions `mvn package` makes (runs after package, in `mvn verify`): the ImageJ zip unzipped onto an
 * ImageJ folder that holds nothing but ij.jar segments a folder through a shipped macro in a real ImageJ under
 * Xvfb; the Fiji zip has Fiji's layout and none of the jars Fiji ships.
 */
class InstallFromZipIT {

	@TempDir
	Path tmp;

	private static Path zip(String kind) throws IOException {
		try (Stream<Path> s = Files.list(Path.of("target"))) {
			return s.filter(p -> p.getFileName().toString().matches("mvp-seg-.*-" + kind + "\\.zip")).findFirst()
				.orElseThrow(() -> new AssertionError("no target/mvp-seg-*-" + kind + ".zip: run mvn package"));
		}
	}

	private static List<String> unzip(Path zip, Path into) throws IOException {
		List<String> names = new ArrayList<>();
		try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
			for (ZipEntry e; (e = in.getNextEntry()) != null;) {
				names.add(e.getName());
				Path p = into.resolve(e.getName()).normalize();
				if (!p.startsWith(into)) throw new IOException("zip entry outside the folder: " + e.getName());
				if (e.isDirectory()) Files.createDirectories(p);
				else {
					Files.createDirectories(p.getParent());
					Files.copy(in, p);
				}
			}
		}
		return names;
	}

	@Test
	void theImageJZipAloneMakesAWorkingInstallation() throws Exception {
		boolean xvfb = Stream.of(System.getenv("PATH").split(File.pathSeparator)).anyMatch(d -> Files.isExecutable(Path
			.of(d, "xvfb-run")));
		if ("true".equals(System.getenv("CI")) && !xvfb) throw new IllegalStateException("CI must provide xvfb-run");
		assumeTrue(xvfb, "xvfb-run is not installed");
		Path imagej = Files.createDirectories(tmp.resolve("ImageJ"));
		List<String> names = unzip(zip("imagej"), imagej);
		assertTrue(names.contains("plugins/mvp_seg.jar"), names.toString());
		assertTrue(names.stream().noneMatch(n -> n.matches(".*/ij-[0-9].*\\.jar")), "ImageJ has its own ij.jar");
		String ij = Stream.of(System.getProperty("java.class.path").split(File.pathSeparator)).filter(e -> Path.of(e)
			.getFileName().toString().startsWith("ij-")).findFirst().orElseThrow();
		Path in = Files.createDirectories(tmp.resolve("in")), out = tmp.resolve("out");
		Files.copy(Path.of("examples", "cell.png"), in.resolve("cell.png"));
		List<String> cmd = List.of("xvfb-run", "-a", Path.of(System.getProperty("java.home"), "bin", "java").toString(),
			"-Dplugins.dir=" + imagej, "-Dai.djl.offline=true", "-cp", ij, "ij.ImageJ", "-batch", imagej.resolve(
				"macros/MVP-SEG/batch_segment_folder.ijm").toString(), "input=[" + in + "] output=[" + out + "] classes=["
					+ "cell, background] weights=[" + TestFiles.fixture("clip-vit-tiny").resolve("clip.pt") + "]");
		String log = RealImageJTest.runProcess(cmd, tmp.resolve("imagej.log"));
		ImagePlus labels = IJ.openImage(out.resolve("cell.labels.tif").toString());
		assertNotNull(labels, log);
		assertTrue(labels.getStatistics().max <= 1, log);
	}

	@Test
	void theFijiZipHasFijisLayoutAndNothingFijiShips() throws Exception {
		List<String> names = unzip(zip("fiji"), Files.createDirectories(tmp.resolve("Fiji.app")));
		assertTrue(names.stream().anyMatch(n -> n.matches("jars/mvp-seg-[^/]*\\.jar")), names.toString());
		assertTrue(names.stream().anyMatch(n -> n.matches("jars/linux64/pytorch-native-cpu-.*\\.jar")), names.toString());
		assertTrue(names.contains("jars/pytorch-engine-0.36.0.jar") && names.contains("macros/MVP-SEG/"
			+ "batch_segment_folder.ijm"), names.toString());
		for (String shipped : new String[] { "ij-", "scijava-common", "imglib2", "gson", "jna", "commons-", "slf4j",
			"parsington" })
			assertFalse(names.stream().anyMatch(n -> n.startsWith("jars/" + shipped)), shipped + " is Fiji's own");
	}
}
