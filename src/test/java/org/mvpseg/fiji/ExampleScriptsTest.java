package org.mvpseg.fiji;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import groovy.lang.Binding;
import groovy.lang.GroovyShell;
import ij.IJ;
import net.imglib2.img.Img;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvpseg.TestFiles;
import org.scijava.Context;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The Groovy scripts in examples/scripts run as Fiji's script editor runs them: each {@code #@} parameter bound to
 * a value of its type (the service from a SciJava context, an image, files), the script evaluated, its outputs read.
 * So the examples cannot rot.
 */
class ExampleScriptsTest {

	static final String W = TestFiles.fixture("clip-vit-tiny").resolve("clip.pt").toString();

	@TempDir
	Path tmp;

	/** The script's {@code #@} parameters (name → declared type), checked against what the test binds. */
	static Map<String, String> parameters(String script) {
		Map<String, String> p = new java.util.LinkedHashMap<>();
		for (String line : script.lines().toList()) {
			if (!line.startsWith("#@")) continue;
			String decl = line.replaceAll("\\(.*\\)", "").replaceFirst("^#@output\\s+|^#@\\s*", "").trim();
			String[] parts = decl.split("\\s+");
			p.put(parts[parts.length - 1], parts[0]);
		}
		return p;
	}

	/** Runs a script with {@code inputs} bound; returns the binding (its outputs). Lines with #@ are Fiji's. */
	static Binding run(String name, Map<String, Object> inputs) throws Exception {
		String script = Files.readString(Path.of("examples", "scripts", name));
		Map<String, String> declared = parameters(script);
		List<String> missing = new ArrayList<>();
		for (String k : declared.keySet()) if (!inputs.containsKey(k) && !script.contains("#@output " + declared.get(k)
			+ " " + k)) missing.add(k);
		assertEquals(List.of(), missing, name + ": parameters the test does not bind");
		Binding b = new Binding();
		inputs.forEach(b::setVariable);
		String body = String.join("\n", script.lines().map(l -> l.startsWith("#@") ? "" : l).toList());
		new GroovyShell(ExampleScriptsTest.class.getClassLoader(), b).evaluate(body, name);
		return b;
	}

	@Test
	void theExampleScriptsRunAsFijiRunsThem() throws Exception {
		Path in = Files.createDirectories(tmp.resolve("in")), out = Files.createDirectories(tmp.resolve("out"));
		Files.copy(Path.of("examples", "chelsea.png"), in.resolve("chelsea.png"));
		Files.copy(Path.of("examples", "cell.png"), in.resolve("cell.png"));
		try (Context ctx = new Context(MvpSegService.class)) {
			MvpSegService mvpseg = ctx.service(MvpSegService.class);
			Img<?> image = MvpSegServiceTest.chelseaXyc();
			Binding one = run("segment_image.groovy", Map.of("image", image, "mvpseg", mvpseg, "classes", "cat, grass, sky",
				"weights", new File(W)));
			Img<?> labels = (Img<?>) one.getVariable("labels");
			assertEquals(3, ((Img<?>) one.getVariable("probabilities")).dimension(2));
			run("segment_folder.groovy", Map.of("folder", in.toFile(), "output", out.toFile(), "classes",
				"cat, grass, sky", "weights", new File(W), "mvpseg", mvpseg));
			byte[] fromFolder = (byte[]) IJ.openImage(out.resolve("chelsea.labels.tif").toString()).getProcessor()
				.getPixels();
			assertArrayEquals(MvpSegServiceTest.bytes((net.imglib2.RandomAccessibleInterval) labels), fromFolder,
				"the folder script's labels are the single-image script's");
			assertTrue(Files.exists(out.resolve("cell.labels.tif")), "a grey image too");
			Binding areas = run("class_areas.groovy", Map.of("labels", labels, "classes", "cat, grass, sky", "pixelSize",
				0.5, "unit", "mm"));
			String table = (String) areas.getVariable("table");
			assertTrue(table.startsWith("class,pixels,fraction,area (mm^2)"), table);
			long sum = 0;
			for (String row : table.lines().skip(1).toList()) sum += Long.parseLong(row.split(",")[1]);
			assertEquals(labels.dimension(0) * labels.dimension(1), sum, table);
			Binding compare = run("compare_vocabularies.groovy", Map.of("image", image, "mvpseg", mvpseg, "vocabularies",
				"cat, grass, sky\n\nsky, wall", "weights", new File(W)));
			List<String> rows = ((String) compare.getVariable("table")).lines().skip(1).toList();
			assertEquals(5, rows.size(), "3 + 2 classes: " + rows);
			for (String row : rows) assertTrue(!row.endsWith(",0"), "every vocabulary from the kept windows: " + row);
			assertEquals(1.0, rows.subList(0, 3).stream().mapToDouble(r -> Double.parseDouble(r.split(",")[2])).sum(),
				1e-3, "fractions of one vocabulary add up: " + rows);
		}
	}
}
