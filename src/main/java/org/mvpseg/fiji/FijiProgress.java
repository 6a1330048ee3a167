package org.mvpseg.fiji;

import org.mvpseg.runtime.Progress;
import org.scijava.app.StatusService;
import org.scijava.task.Task;
import org.scijava.task.TaskService;

/**
 * Progress for the commands: in Fiji a SciJava task (shown in the status bar with a cancel button;
 * cancelling stops the work between windows, planes or iterations) plus the status line; in plain
 * ImageJ 1.x, where no SciJava service is injected, ImageJ's own status line and progress bar, and Esc
 * cancels (as ImageJ's own long commands do).
 */
final class FijiProgress implements Progress, AutoCloseable {

	private final Task task;
	private final StatusService status;
	private final boolean imagej1;

	FijiProgress(TaskService tasks, StatusService status, String name) {
		this.task = tasks == null ? null : tasks.createTask("MVP-SEG: " + name);
		this.status = status;
		this.imagej1 = tasks == null && status == null;
		if (task != null) task.start();
		if (imagej1) {
			ij.IJ.resetEscape(); // an Esc pressed before this run does not cancel it
			ij.IJ.showStatus("MVP-SEG: " + name + " (press Esc to cancel)");
		}
	}

	@Override
	public void update(String what, long done, long total) {
		if (task != null) {
			task.setStatusMessage(what);
			if (total > 0) {
				task.setProgressMaximum(total);
				task.setProgressValue(done);
			}
		}
		if (imagej1) {
			ij.IJ.showStatus("MVP-SEG: " + what + " (Esc cancels)");
			if (total > 0) ij.IJ.showProgress((double) done / total);
		}
		if (status == null) return;
		if (total > 0) status.showProgress((int) Math.min(done, Integer.MAX_VALUE), (int) Math.min(total,
			Integer.MAX_VALUE));
		status.showStatus("MVP-SEG: " + what);
	}

	@Override
	public boolean isCancelled() {
		return (task != null && task.isCanceled()) || (imagej1 && ij.IJ.escapePressed()) || Thread.currentThread()
			.isInterrupted();
	}

	@Override
	public void close() {
		if (task != null) task.finish();
		if (status != null) status.clearStatus();
		if (imagej1) ij.IJ.showProgress(1.0); // hides the bar
	}
}
