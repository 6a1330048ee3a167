package org.mvpseg.runtime;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;

/**
 * The one place that starts DJL's PyTorch engine. DJL is put offline and its telemetry off before
 * the engine loads (nothing downloads behind the user's back); the device is the GPU when libtorch
 * sees one, else the CPU.
 */
public final class Torch {

	private static volatile Engine engine;

	private Torch() {}

	/** Settings that must be in place before DJL's first class loads; user-given values win. */
	public static void configure() {
		setIfAbsent("ai.djl.offline", "true");
		setIfAbsent("OPT_OUT_TRACKING", "true");
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
			try {
				engine = Engine.getEngine("PyTorch");
			}
			catch (RuntimeException | UnsatisfiedLinkError ex) {
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

	/** The GPU when libtorch sees one, otherwise the CPU. */
	public static Device defaultDevice() {
		return engine().getGpuCount() > 0 ? Device.gpu() : Device.cpu();
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
		return "PyTorch " + e.getVersion() + " via DJL, device " + defaultDevice() + " (GPUs visible: " + e.getGpuCount()
			+ ")";
	}

	private static String rootMessage(Throwable t) {
		while (t.getCause() != null) t = t.getCause();
		return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
	}

	/** The engine is missing or broken; the message says what to do. */
	public static final class EngineException extends RuntimeException {
		public EngineException(String message, Throwable cause) {
			super(message, cause);
		}
	}
}
