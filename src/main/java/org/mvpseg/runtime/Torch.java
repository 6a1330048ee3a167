package org.mvpseg.runtime;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;

/**
 * The one place that starts DJL's PyTorch engine. Before it loads, DJL is put offline and its telemetry off
 * (nothing downloads behind the user's back) and the libtorch is chosen (an installed CUDA engine, else the CPU
 * jar: {@link EngineSelection}). The device is chosen per run ({@link #select}): by default the first GPU the
 * loaded libtorch sees, else the CPU, always with the reason (docs/gpu.md).
 */
public final class Torch {

	private static volatile Engine engine;
	private static volatile String preloaded;
	private static volatile DeviceChoice.Resolution device;

	private Torch() {}

	/** Settings that must be in place before DJL's first class loads; user-given values win. */
	public static void configure() {
		setIfAbsent("ai.djl.offline", "true");
		setIfAbsent("OPT_OUT_TRACKING", "true");
		EngineSelection.apply();
	}

	/** The libtorch folder DJL has loaded in this JVM, or null before it loads. */
	public static String loadedLibtorch() {
		try {
			return ai.djl.pytorch.jni.LibUtils.getLibtorchPath();
		}
		catch (NullPointerException | LinkageError e) {
			return null; // not loaded yet
		}
	}

	private static void setIfAbsent(String key, String value) {
		if (System.getProperty(key) == null && System.getenv(key) == null) System.setProperty(key, value);
	}

	/** The PyTorch engine, or an {@link EngineException} that says what to install. */
	public static Engine engine() {
		Engine e = engine;
		if (e != null) return e;
		synchronized (Torch.class) {
			if (engine != null) return engine;
			configure();
			ClassLoader previous = Thread.currentThread().getContextClassLoader();
			// DJL finds engines through the context class loader; in a plugin host that is not ours.
			Thread.currentThread().setContextClassLoader(Torch.class.getClassLoader());
			String before = loadedLibtorch(); // non-null: another plugin started DJL before us
			try {
				engine = Engine.getEngine("PyTorch");
				if (before != null) preloaded = EngineSelection.preloadedNote(before, EngineSelection.chosen());
			}
			catch (RuntimeException | UnsatisfiedLinkError ex) {
				InstalledEngines.Installed chosen = EngineSelection.chosen();
				if (chosen != null) throw new EngineException("The installed engine (" + chosen.describe() + ") could "
					+ "not start: " + rootMessage(ex) + ". Remove it (mvp-seg engine remove " + (chosen.flavor()
						.startsWith("cu") ? "cuda" : chosen.flavor()) + ", or Models & Engine) or start with "
					+ "-Dmvpseg.engine=cpu to use the CPU libtorch.", ex);
				String platform = System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT).startsWith("win")
					? "win-x86_64" : System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT).contains("mac")
						? "osx-aarch64" : "linux-" + ("aarch64".equals(System.getProperty("os.arch")) ? "aarch64"
							: "x86_64");
				throw new EngineException("The PyTorch engine could not start: " + rootMessage(ex) + ". It needs "
					+ "libtorch 2.7.1, which is never downloaded behind your back: put the jar "
					+ "ai.djl.pytorch:pytorch-native-cpu:2.7.1:" + platform + " from Maven Central into Fiji.app/jars/, "
					+ "or unpack libtorch 2.7.1 and start with PYTORCH_LIBRARY_PATH=<its lib folder> PYTORCH_VERSION=2.7.1 "
					+ "PYTORCH_FLAVOR=cpu (cu128 for an NVIDIA GPU).", ex);
			}
			finally {
				Thread.currentThread().setContextClassLoader(previous);
			}
			return engine;
		}
	}

	/** What the loaded engine offers, for {@link DeviceChoice#resolve}. */
	public static DeviceChoice.Engine engineInfo() {
		Engine e = engine();
		String lib = loadedLibtorch();
		return new DeviceChoice.Engine(EngineSelection.flavorOf(lib), lib, e.getGpuCount(), EngineSelection
			.driverVersion(), preloaded);
	}

	/** Chooses the device for the next runs; a GPU that cannot be had is refused with the reason. */
	public static DeviceChoice.Resolution select(DeviceChoice choice) {
		DeviceChoice.Resolution r = choice.resolve(engineInfo());
		device = r;
		return r;
	}

	/** The device chosen last ({@code auto} when none was). */
	public static DeviceChoice.Resolution device() {
		DeviceChoice.Resolution r = device;
		return r != null ? r : select(DeviceChoice.AUTO);
	}

	/** Free memory of a GPU in bytes (CUDA's count), or -1 when it cannot be read. */
	public static long freeGpuMemory(Device gpu) {
		try {
			java.lang.management.MemoryUsage m = ai.djl.util.cuda.CudaUtils.getGpuMemory(gpu);
			return m.getMax() - m.getCommitted();
		}
		catch (RuntimeException | LinkageError e) {
			return -1;
		}
	}

	/** The chosen device in DJL's terms. */
	public static Device defaultDevice() {
		DeviceChoice.Resolution r = device();
		return r.gpu() ? Device.gpu(r.index()) : Device.cpu();
	}

	/** A new root manager on the default device. */
	public static NDManager newManager() {
		return engine().newBaseManager(defaultDevice());
	}

	/**
	 * Switches autograd recording for the current thread and returns the previous setting. libtorch
	 * keeps this per thread, and only the thread that loaded the engine starts with it off.
	 */
	public static boolean setGradMode(boolean enabled) {
		engine();
		boolean previous = ai.djl.pytorch.jni.JniUtils.isGradMode();
		ai.djl.pytorch.jni.JniUtils.setGradMode(enabled);
		return previous;
	}

	public static String describe() {
		Engine e = engine();
		return "PyTorch " + e.getVersion() + " via DJL (" + EngineSelection.flavorOf(loadedLibtorch()) + "), device "
			+ device();
	}

	private static String rootMessage(Throwable t) {
		while (t.getCause() != null) t = t.getCause();
		return Failures.message(t);
	}

	/** The engine is missing or broken; the message says what to do. */
	public static final class EngineException extends RuntimeException {
		public EngineException(String message, Throwable cause) {
			super(message, cause);
		}
	}
}
