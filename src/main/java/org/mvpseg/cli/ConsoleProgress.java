package org.mvpseg.cli;

import org.mvpseg.runtime.Progress;

import java.io.PrintStream;

/** Progress on the terminal: one line per phase, updated at most twice a second. */
final class ConsoleProgress implements Progress {

	private final PrintStream err;
	private String last = "";
	private long shown;

	ConsoleProgress(PrintStream err) {
		this.err = err;
	}

	@Override
	public void update(String what, long done, long total) {
		long now = System.nanoTime();
		boolean end = total > 0 && done >= total;
		if (what.equals(last) && !end && now - shown < 500_000_000L) return;
		if (!what.equals(last) && done == 0 && total != 0 && !what.startsWith("downloading")) {
			last = what;
			shown = now;
			return; // the start of a phase says nothing yet
		}
		String amount = total > 0 ? (what.startsWith("downloading") ? String.format(" %d/%d MB (%.0f%%)", done >> 20,
			total >> 20, 100.0 * done / total) : String.format(" %d/%d", done, total)) : "";
		err.println("  " + what + amount);
		last = what;
		shown = now;
	}
}
