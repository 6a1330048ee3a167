package org.mvpseg.runtime;

/** A failure in one line, the same on the command line and in Fiji. */
public final class Failures {

	private Failures() {}

	/**
	 * The failure's message; file-system errors, whose own message is only a path, say what happened and what to do,
	 * and one without a message names its kind.
	 */
	public static String message(Throwable e) {
		if (e instanceof java.nio.file.NoSuchFileException f) return "file not found: " + f.getFile();
		if (e instanceof java.nio.file.AccessDeniedException f) return "permission denied: " + f.getFile() + " cannot be "
			+ "read or written by this user; check its permissions and its folder's, or choose another path";
		if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) return f.getFile() + ": " + f
			.getReason();
		return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
	}
}
