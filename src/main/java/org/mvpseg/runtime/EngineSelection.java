package org.mvpseg.runtime;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which libtorch DJL loads, decided once per JVM before DJL first loads (docs/gpu.md): the user's own
 * {@code PYTORCH_LIBRARY_PATH} wins; else an engine installed by MVP-SEG (CUDA first) is named to DJL through
 * system properties, which DJL reads like its environment variables; else the CPU libtorch jar on the class path.
 * {@code -Dmvpseg.engine=cpu} keeps the CPU libtorch. What was decided, and what was loaded, are reported.
 */
public final class EngineSelection {

	private static String plan;
	private static InstalledEngines.Installed chosen;

	private EngineSelection() {}

	/** Decides, once; later calls return the first decision. */
	public static synchronized String apply() {
		if (plan != null) return plan;
		String user = userSetting("PYTORCH_LIBRARY_PATH");
		if (user != null) return plan = "libtorch from PYTORCH_LIBRARY_PATH=" + user + " (set by you)";
		if ("cpu".equalsIgnoreCase(System.getProperty("mvpseg.engine"))) return plan = "the CPU libtorch "
			+ "(-Dmvpseg.engine=cpu)";
		List<InstalledEngines.Installed> installed = InstalledEngines.installed(InstalledEngines.dir(), InstalledEngines.platform());
		if (installed.isEmpty()) return plan = "the CPU libtorch from the plugin's jars (no engine installed in "
			+ InstalledEngines.dir() + ")";
		InstalledEngines.Installed i = installed.get(0);
		String flavor = userSetting("PYTORCH_FLAVOR"), version = userSetting("PYTORCH_VERSION");
		if (flavor != null || version != null) return plan = "your PYTORCH_FLAVOR/PYTORCH_VERSION settings decide; the "
			+ "installed " + i.describe() + " is not used";
		System.setProperty("PYTORCH_LIBRARY_PATH", i.lib().toString());
		System.setProperty("PYTORCH_VERSION", i.version());
		System.setProperty("PYTORCH_FLAVOR", i.flavor());
		chosen = i;
		return plan = "the installed " + i.describe();
	}

	/** The engine MVP-SEG chose (null when none of its own). */
	public static synchronized InstalledEngines.Installed chosen() {
		return chosen;
	}

	private static String userSetting(String key) {
		String v = System.getenv(key);
		if (v == null || v.isBlank()) v = System.getProperty(key);
		return v == null || v.isBlank() ? null : v;
	}

	/**
	 * A note when DJL had loaded {@code loaded} before MVP-SEG could choose (another Fiji plugin started it), and
	 * MVP-SEG would have chosen another; null when nothing is wrong.
	 */
	public static String preloadedNote(String loaded, InstalledEngines.Installed wanted) {
		if (loaded == null || wanted == null || Path.of(loaded).normalize().startsWith(wanted.lib().normalize()))
			return null;
		return "DJL was started before MVP-SEG (by another plugin) with the libtorch in " + loaded + ", so the "
			+ "installed " + wanted.flavor() + " engine could not be used; restart Fiji and run an MVP-SEG command first";
	}

	/** The libtorch folder's flavor: "cpu", or the CUDA flavor its marker names ("cuda" without one). */
	public static String flavorOf(String libtorchDir) {
		if (libtorchDir == null) return "cpu";
		Path d = Path.of(libtorchDir);
		boolean cuda = Files.exists(d.resolve(System.mapLibraryName("torch_cuda"))) || Files.exists(d.resolve(
			System.mapLibraryName("c10_cuda")));
		if (!cuda) return "cpu";
		return chosen != null && d.normalize().startsWith(chosen.lib().normalize()) ? chosen.flavor() : "cuda";
	}

	/** The NVIDIA driver's version from Linux's /proc/driver/nvidia/version text; null when none is there. */
	public static String driverVersion(String procText) {
		if (procText == null) return null;
		Matcher m = Pattern.compile("Kernel Module(?: for \\S+)?\\s+(\\d+(\\.\\d+)+)").matcher(procText);
		return m.find() ? m.group(1) : null;
	}

	/** The driver's version on this machine (Linux), "unknown" elsewhere, null when no driver is installed. */
	public static String driverVersion() {
		if (!InstalledEngines.platform().startsWith("linux")) return "unknown";
		try {
			Path p = Path.of("/proc/driver/nvidia/version");
			return Files.isReadable(p) ? driverVersion(Files.readString(p)) : null;
		}
		catch (java.io.IOException e) {
			return null;
		}
	}
}
