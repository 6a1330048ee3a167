package org.mvpseg.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.mvpseg.runtime.EngineSelection;

/** --device and the reason for the device used, on every engine a user can have (no GPU needed). */
class DeviceChoiceTest {

	static final DeviceChoice.Engine CPU_JAR = new DeviceChoice.Engine("cpu", "/jars/libtorch", 0, null, null);

	static DeviceChoice.Engine cuda(int gpus, String driver) {
		return new DeviceChoice.Engine("cu128", "/engines/libtorch/lib", gpus, driver, null);
	}

	@Test
	void parsesWhatUsersType() {
		assertEquals(DeviceChoice.AUTO, DeviceChoice.parse(null));
		assertEquals(DeviceChoice.AUTO, DeviceChoice.parse(" Auto "));
		assertEquals(new DeviceChoice("cpu", 0), DeviceChoice.parse("cpu"));
		assertEquals(new DeviceChoice("gpu", 0), DeviceChoice.parse("gpu"));
		assertEquals(new DeviceChoice("gpu", 2), DeviceChoice.parse("gpu:2"));
		assertEquals(new DeviceChoice("gpu", 1), DeviceChoice.parse("cuda:1"));
		assertEquals("gpu:2", DeviceChoice.parse("GPU:2").toString());
		for (String bad : new String[] { "gpu2", "gpu:-1", "tpu", "gpu:x" }) {
			RequestException e = assertThrows(RequestException.class, () -> DeviceChoice.parse(bad));
			assertTrue(e.getMessage().contains("auto, cpu, gpu or gpu:N"), e.getMessage());
		}
	}

	@Test
	void autoOnACpuOnlyMachineUsesTheCpuAndSaysHowToGetTheGpu() {
		DeviceChoice.Resolution r = DeviceChoice.AUTO.resolve(CPU_JAR);
		assertFalse(r.gpu());
		assertTrue(r.why().contains("the CPU libtorch is loaded") && r.why().contains("engine install cuda"), r.why());
		RequestException e = assertThrows(RequestException.class, () -> DeviceChoice.parse("gpu").resolve(CPU_JAR));
		assertTrue(e.getMessage().contains("No GPU can be used: the CPU libtorch is loaded"), e.getMessage());
	}

	@Test
	void eachReasonForNoGpuIsNamed() {
		assertTrue(DeviceChoice.AUTO.resolve(cuda(0, null)).why().contains("no NVIDIA driver was found"));
		String old = DeviceChoice.AUTO.resolve(cuda(0, "550.54.15")).why();
		assertTrue(old.contains("550.54.15 is older than 570") && old.contains("cu128"), old);
		String hidden = DeviceChoice.AUTO.resolve(cuda(0, "575.51.03")).why();
		assertTrue(hidden.contains("CUDA_VISIBLE_DEVICES"), hidden);
		String pre = DeviceChoice.AUTO.resolve(new DeviceChoice.Engine("cpu", "/x", 0, null, "DJL was started before "
			+ "MVP-SEG")).why();
		assertTrue(pre.contains("DJL was started before MVP-SEG"), pre);
	}

	@Test
	void gpusAreChosenAndCountedFromZero() {
		DeviceChoice.Resolution auto = DeviceChoice.AUTO.resolve(cuda(2, "575.51.03"));
		assertTrue(auto.gpu());
		assertEquals(0, auto.index());
		assertTrue(auto.toString().startsWith("gpu(0) — auto: GPU 0 of 2, CUDA libtorch cu128"), auto.toString());
		assertEquals(1, DeviceChoice.parse("gpu:1").resolve(cuda(2, "575")).index());
		assertFalse(DeviceChoice.parse("cpu").resolve(cuda(2, "575")).gpu(), "cpu as asked, GPU or not");
		RequestException e = assertThrows(RequestException.class, () -> DeviceChoice.parse("gpu:2").resolve(cuda(2,
			"575")));
		assertTrue(e.getMessage().contains("sees 2 GPU(s), numbered from 0"), e.getMessage());
	}

	@Test
	void theDriverVersionIsReadFromLinuxsProcFile() {
		assertEquals("570.86.15", EngineSelection.driverVersion("NVRM version: NVIDIA UNIX x86_64 Kernel Module  "
			+ "570.86.15  Thu Jan 16 2025\nGCC version:  gcc version 12.2.0"));
		assertEquals("535.183.01", EngineSelection.driverVersion("NVRM version: NVIDIA UNIX Open Kernel Module for "
			+ "x86_64  535.183.01  Release Build"));
		assertNull(EngineSelection.driverVersion(null));
		assertEquals(570, DeviceChoice.driverMajor("570.86.15"));
	}

	@Test
	void aDjlStartedByAnotherPluginIsReported() {
		var wanted = new org.mvpseg.runtime.InstalledEngines.Installed(java.nio.file.Path.of("/e"), "2.7.1", "cu128",
			"linux-x86_64", java.nio.file.Path.of("/e/libtorch/lib"), "abc", "u");
		assertNull(EngineSelection.preloadedNote("/e/libtorch/lib", wanted), "ours: nothing to say");
		assertNull(EngineSelection.preloadedNote(null, wanted));
		String note = EngineSelection.preloadedNote("/home/u/.djl.ai/pytorch/2.7.1-cpu", wanted);
		assertTrue(note.contains("another plugin") && note.contains("restart Fiji"), note);
	}

	@Test
	void thisMachineRunsOnTheCpuAndSaysWhy() {
		DeviceChoice.Resolution r = Torch.select(DeviceChoice.AUTO);
		assertFalse(r.gpu(), "no GPU on the build machines");
		assertTrue(Torch.describe().contains("device cpu — auto: "), Torch.describe());
	}
}
