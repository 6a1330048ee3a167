package org.mvpseg.runtime;

import java.util.Locale;

/**
 * What the user asked for with {@code --device} (CLI, Fiji field, macro key): {@code auto} (the first GPU when
 * a CUDA libtorch sees one, else the CPU), {@code cpu}, {@code gpu} (the first GPU, or refuse) or {@code gpu:N}.
 * {@link #resolve} turns it into the device used and the reason, from what the engine reports (docs/gpu.md).
 *
 * @param kind "auto", "cpu" or "gpu"
 * @param index the GPU's index for "gpu" (0 for plain "gpu")
 */
public record DeviceChoice(String kind, int index) implements java.io.Serializable {

	public static final DeviceChoice AUTO = new DeviceChoice("auto", 0);

	public static final String VALUES = "auto, cpu, gpu or gpu:N";

	/** Parses the user's text; blank means auto. Anything else is refused with the accepted values. */
	public static DeviceChoice parse(String text) {
		String t = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
		if (t.isEmpty() || t.equals("auto")) return AUTO;
		if (t.equals("cpu")) return new DeviceChoice("cpu", 0);
		if (t.equals("gpu") || t.equals("cuda")) return new DeviceChoice("gpu", 0);
		if (t.matches("(gpu|cuda):\\d{1,3}")) return new DeviceChoice("gpu", Integer.parseInt(t.substring(t.indexOf(':')
			+ 1)));
		throw new RequestException("Unknown device \"" + text + "\": use " + VALUES + ".");
	}

	@Override
	public String toString() {
		return kind.equals("gpu") ? "gpu:" + index : kind;
	}

	/**
	 * What the engine offers: the loaded libtorch's flavor ("cpu" or "cu128"…), its folder, the GPUs it sees, the
	 * NVIDIA driver version found on the machine (null when none) and a note when DJL was started before
	 * MVP-SEG could choose its engine (null otherwise).
	 */
	public record Engine(String flavor, String libtorch, int gpus, String driver, String preloaded) {

		boolean cuda() {
			return flavor.startsWith("cu");
		}

		/** One line for status reports: the libtorch, its flavor, the GPUs it sees and the driver. */
		public String describe() {
			return "libtorch: " + libtorch + " (" + flavor + "), GPUs seen: " + gpus + ", NVIDIA driver: " + (driver == null
				? "none found" : driver);
		}
	}

	/** The device used and why, in words for provenance and Models &amp; Engine. */
	public record Resolution(boolean gpu, int index, String why) {

		@Override
		public String toString() {
			return (gpu ? "gpu(" + index + ")" : "cpu") + " — " + why;
		}
	}

	/** The NVIDIA driver a cu128 libtorch needs. */
	public static final int MIN_DRIVER_CU128 = 570;

	/** The device for this choice on this engine; a GPU that cannot be had is refused with the reason. */
	public Resolution resolve(Engine e) {
		if (kind.equals("cpu")) return new Resolution(false, 0, "as asked (device cpu)");
		if (e.gpus() > 0) {
			if (index >= e.gpus()) throw new RequestException("GPU " + index + " does not exist: the CUDA libtorch sees "
				+ e.gpus() + " GPU(s), numbered from 0.");
			return new Resolution(true, index, (kind.equals("auto") ? "auto: " : "as asked: ") + "GPU " + index + " of "
				+ e.gpus() + ", CUDA libtorch " + e.flavor() + " from " + e.libtorch());
		}
		String why = noGpuReason(e);
		if (kind.equals("gpu")) throw new RequestException("No GPU can be used: " + why + ". Use device auto or cpu "
			+ "to run on the CPU.");
		return new Resolution(false, 0, "auto: " + why);
	}

	/** Why the engine offers no GPU, with what to do. */
	static String noGpuReason(Engine e) {
		if (e.preloaded() != null) return e.preloaded();
		if (!e.cuda()) return "the CPU libtorch is loaded (no CUDA engine installed: run `mvp-seg engine install cuda` "
			+ "or Models & Engine › Install CUDA engine, then restart)";
		if (e.driver() == null) return "the CUDA libtorch sees no GPU and no NVIDIA driver was found";
		int major = driverMajor(e.driver());
		if (major > 0 && major < MIN_DRIVER_CU128) return "the CUDA libtorch sees no GPU: NVIDIA driver " + e.driver()
			+ " is older than " + MIN_DRIVER_CU128 + ", which " + e.flavor() + " needs (update the driver)";
		return "the CUDA libtorch sees no GPU (NVIDIA driver " + e.driver() + "; is the GPU in use by another "
			+ "process or hidden by CUDA_VISIBLE_DEVICES?)";
	}

	static int driverMajor(String version) {
		java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(\\d+)").matcher(version.strip());
		return m.find() ? Integer.parseInt(m.group(1)) : -1;
	}
}
