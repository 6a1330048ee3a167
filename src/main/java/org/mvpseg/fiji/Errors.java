package org.mvpseg.fiji;

import java.util.concurrent.CancellationException;

/**
 * One line for users instead of a stack trace, and the last error of this thread's command, which the ImageJ 1.x
 * entry turns into an error dialog, an aborted macro, or (with {@code on_error=continue}) a value macros read:
 * {@code call("org.mvpseg.fiji.Errors.lastError")} and {@code call("org.mvpseg.fiji.Errors.lastErrorFatal")}.
 */
public final class Errors {

	private Errors() {}

	/** A failure before any image was touched (weights, prompts, the request): every further image would fail too. */
	static final class SetupFailure extends RuntimeException {
		SetupFailure(Exception cause) {
			super(cause.getMessage(), cause);
		}
	}

	private static final ThreadLocal<String> LAST = new ThreadLocal<>();
	private static final ThreadLocal<Boolean> FATAL = new ThreadLocal<>();

	/** Logs the one-line message and remembers it as this thread's last error. */
	static String report(Throwable e) {
		Throwable cause = e instanceof SetupFailure && e.getCause() != null ? e.getCause() : e;
		String msg = message(cause);
		LAST.set(msg);
		FATAL.set(e instanceof SetupFailure);
		ij.IJ.log(msg);
		return msg;
	}

	static void clear() {
		LAST.remove();
		FATAL.remove();
	}

	/** For macros: the last command's error on this thread, or "" when it succeeded. */
	public static String lastError() {
		String s = LAST.get();
		return s == null ? "" : s;
	}

	/** For macros: "true" when the last error concerns the set-up (weights, prompts, options), not one image. */
	public static String lastErrorFatal() {
		return Boolean.TRUE.equals(FATAL.get()) ? "true" : "false";
	}

	static String message(Throwable e) {
		if (e instanceof CancellationException) return "MVP-SEG: cancelled; nothing was changed.";
		if (e instanceof OutOfMemoryError) return "MVP-SEG: out of memory; raise ImageJ's memory (Edit > Options > "
			+ "Memory & Threads) or use a smaller window.";
		return "MVP-SEG: " + org.mvpseg.runtime.Failures.message(e);
	}
}
