package org.mvpseg.fiji;

import java.util.concurrent.CancellationException;

/** One line for users instead of a stack trace. */
final class Errors {

	private Errors() {}

	static String message(Throwable e) {
		if (e instanceof CancellationException) return "MVP-SEG: cancelled; nothing was changed.";
		if (e instanceof OutOfMemoryError) return "MVP-SEG: out of memory; raise ImageJ's memory (Edit > Options > "
			+ "Memory & Threads) or use a smaller window.";
		if (e instanceof java.nio.file.NoSuchFileException f) return "MVP-SEG: file not found: " + f.getFile();
		String m = e.getMessage();
		return "MVP-SEG: " + (m == null ? e.getClass().getSimpleName() : m);
	}
}
