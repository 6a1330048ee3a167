package org.mvpseg.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * The engine cache's layout is one DJL accepts: the CPU libtorch of the pytorch-native-cpu jar, packed as libtorch's
 * own zip is (libtorch/lib/), is installed by {@link Engines} exactly as the CUDA one would be; then a child JVM
 * without that jar on its class path starts MVP-SEG's {@code engine status}, and DJL loads libtorch from the
 * cache. (No CUDA libtorch or GPU can be reached from the build machines: this is the engine boundary.)
 */
class EngineCacheLayoutTest {

	@TempDir
	Path tmp;

	@Test
	void djlStartsOnAnEngineInstalledInTheCache() throws Exception {
		assumeTrue(EngineRegistry.platform().equals("linux-x86_64"), "the test packs the linux-x86_64 CPU jar");
		String nativeJar = null;
		List<String> classPath = new ArrayList<>();
		for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
			if (Path.of(e).getFileName().toString().startsWith("pytorch-native-cpu")) nativeJar = e;
			else classPath.add(e);
		}
		assertTrue(nativeJar != null, "pytorch-native-cpu on the test class path");
		Path zip = tmp.resolve("libtorch-2.7.1-cpu.zip");
		List<String> libs = packAsLibtorchZip(Path.of(nativeJar), zip);
		EngineRegistry.Entry cpu = new EngineRegistry.Entry("cpu-linux-x86_64", "linux-x86_64", "2.7.1", "cpu",
			"https://download.pytorch.org/libtorch/cpu/libtorch-cxx11-abi-shared-with-deps-2.7.1%2Bcpu.zip", null, zip
				.getFileName().toString(), -1, "libtorch/lib", List.of("libtorch.so", "libtorch_cpu.so", "libc10.so"));
		Engines engines = new Engines(tmp.resolve("engines"));
		org.mvpseg.runtime.InstalledEngines.Installed installed = engines.installArchive(cpu, zip, EnginesTest.QUIET);
		assertTrue(libs.contains("libtorch_cpu.so"), libs.toString());
		Files.delete(zip);
		ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
			"-Dmvpseg.engines.dir=" + engines.dir(), "-Dai.djl.offline=true", "-cp", String.join(File.pathSeparator,
				classPath), "org.mvpseg.cli.Main", "engine", "status").redirectErrorStream(true);
		Map<String, String> env = pb.environment();
		for (String k : List.of("PYTORCH_FLAVOR", "PYTORCH_VERSION", "PYTORCH_LIBRARY_PATH")) env.remove(k);
		env.put("DJL_CACHE_DIR", tmp.resolve("djl-cache").toString()); // no libtorch extracted earlier can be used
		Process p = pb.start();
		String out = new String(p.getInputStream().readAllBytes());
		assertTrue(p.waitFor(120, TimeUnit.SECONDS), out);
		assertEquals(0, p.exitValue(), out);
		assertTrue(out.contains("installed: libtorch 2.7.1 cpu (linux-x86_64) in " + installed.lib()), out);
		assertTrue(out.contains("chosen: the installed libtorch 2.7.1 cpu"), out);
		assertTrue(out.contains("libtorch: " + installed.lib() + " (cpu)"), "DJL loaded the cache's libtorch: " + out);
		assertTrue(out.contains("device cpu — auto: "), out);
	}

	/** The jar's libraries as entries libtorch/lib/NAME of a zip (stored: they barely compress). */
	static List<String> packAsLibtorchZip(Path jar, Path zip) throws IOException {
		List<String> names = new ArrayList<>();
		try (JarFile j = new JarFile(jar.toFile()); OutputStream f = Files.newOutputStream(zip);
			ZipOutputStream z = new ZipOutputStream(f))
		{
			for (var e : java.util.Collections.list(j.entries())) {
				if (e.isDirectory() || !e.getName().startsWith("pytorch/")) continue;
				byte[] body;
				try (InputStream in = j.getInputStream(e)) {
					body = in.readAllBytes();
				}
				String name = e.getName().substring(e.getName().lastIndexOf('/') + 1);
				ZipEntry out = new ZipEntry("libtorch/lib/" + name);
				out.setMethod(ZipEntry.STORED);
				out.setSize(body.length);
				CRC32 crc = new CRC32();
				crc.update(body);
				out.setCrc(crc.getValue());
				z.putNextEntry(out);
				z.write(body);
				z.closeEntry();
				names.add(name);
			}
		}
		return names;
	}
}
