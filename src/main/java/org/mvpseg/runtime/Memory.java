package org.mvpseg.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resident memory of this process as the OS counts it (native tensors included). Linux only. */
public final class Memory {

	private Memory() {}

	/** Current resident set in bytes, or -1 where /proc is not available. */
	public static long residentBytes() {
		return statusField("VmRSS:");
	}

	/** Peak resident set in bytes since the process started, or -1. */
	public static long peakResidentBytes() {
		return statusField("VmHWM:");
	}

	private static long statusField(String key) {
		try {
			for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
				if (line.startsWith(key)) return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0])
					* 1024;
			}
		}
		catch (IOException | RuntimeException e) {
			// not Linux
		}
		return -1;
	}

	public static String mib(long bytes) {
		return bytes < 0 ? "n/a" : String.format("%.0f MiB", bytes / 1048576.0);
	}
}
