package org.mvpseg.runtime;

import java.util.concurrent.CancellationException;

/**
 * Progress reporting and cancellation, shared by downloads, segmentation and training. The Fiji
 * layer maps it onto its status bar and cancel button; the command line prints a line.
 */
public interface Progress {

	/** Nothing reported, never cancelled. */
	Progress NONE = (what, done, total) -> {};

	/** {@code done} of {@code total} units of {@code what}; {@code total} is -1 when unknown. */
	void update(String what, long done, long total);

	/** Polled between units of work (windows, planes, download chunks). */
	default boolean isCancelled() {
		return Thread.currentThread().isInterrupted();
	}

	/** Throws {@link CancellationException} if the user cancelled. */
	default void checkCancelled() {
		if (isCancelled()) throw new CancellationException("cancelled by the user");
	}
}
