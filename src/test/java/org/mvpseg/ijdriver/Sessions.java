package org.mvpseg.ijdriver;

import java.awt.Component;
import java.awt.Container;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** What the real-window drivers share: a watchdog, the findings file, the components of a window. */
final class Sessions {

	private Sessions() {}

	interface Body {
		void run() throws Exception;
	}

	/**
	 * Runs {@code body}, writing {@code found} (key=value lines) to {@code result} when it ends, fails or outlives
	 * 150 s (a dialog left waiting must not hang the build), then exits the JVM.
	 */
	static void run(Map<String, String> found, Path result, Body body) {
		Thread watchdog = new Thread(() -> {
			try {
				Thread.sleep(150_000);
				found.put("timeout", "true");
				write(found, result);
				System.exit(3);
			}
			catch (Exception e) {
				// the session ended first
			}
		});
		watchdog.setDaemon(true);
		watchdog.start();
		try {
			body.run();
		}
		catch (Throwable t) {
			found.put("error", String.valueOf(t));
			t.printStackTrace();
		}
		write(found, result);
		System.exit(0);
	}

	static List<Component> components(Container c) {
		List<Component> out = new ArrayList<>();
		for (Component k : c.getComponents()) {
			out.add(k);
			if (k instanceof Container sub) out.addAll(components(sub));
		}
		return out;
	}

	static void write(Map<String, String> found, Path result) {
		StringBuilder sb = new StringBuilder();
		synchronized (found) {
			found.forEach((k, v) -> sb.append(k).append('=').append(v.replace('\n', ' ')).append('\n'));
		}
		try {
			Files.writeString(result, sb.toString());
		}
		catch (java.io.IOException e) {
			System.err.println(sb);
		}
	}
}
