package org.mvpseg.fiji;

import org.mvpseg.runtime.Progress;
import org.scijava.app.StatusService;
import org.scijava.task.Task;
import org.scijava.task.TaskService;

/**
 * Progress for the SciJava commands: a SciJava task (Fiji shows it in the status bar with a
 * cancel button, and cancelling stops the work between windows, planes or iterations) plus the
 * status line. Either service may be missing (plain ImageJ 1.x, tests).
 */
final class FijiProgress implements Progress, AutoCloseable {

	private final Task task;
	private final StatusService status;

	FijiProgress(TaskService tasks, StatusService status, String name) {
		this.task = tasks == null ? null : tasks.createTask("MVP-SEG: " + name);
		this.status = status;
		if (task != null) task.start();
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
		if (status == null) return;
		if (total > 0) status.showProgress((int) Math.min(done, Integer.MAX_VALUE), (int) Math.min(total,
			Integer.MAX_VALUE));
		status.showStatus("MVP-SEG: " + what);
	}

	@Override
	public boolean isCancelled() {
		return (task != null && task.isCanceled()) || Thread.currentThread().isInterrupted();
	}

	@Override
	public void close() {
		if (task != null) task.finish();
		if (status != null) status.clearStatus();
	}
}
