package org.mvpseg.files;

import org.mvpseg.runtime.RequestException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The one output file of a training run (a prompt set or a student) with its checkpoint ({@code FILE.ckpt}) beside
 * it, claimed before any model loads and held to the run's last write: a finished result is never replaced without
 * {@code overwrite}, a checkpoint never lost for a forgotten {@code resume}, and a second run into the same file is
 * refused instead of silently replacing the first one's result.
 */
public final class TrainingOutput implements AutoCloseable {

	private final Path file;
	private final boolean resume;
	private final OutputLock lock;

	private TrainingOutput(Path file, boolean resume, OutputLock lock) {
		this.file = file;
		this.resume = resume;
		this.lock = lock;
	}

	/** The checkpoint beside a training output (the trainers' naming). */
	public static Path checkpoint(Path out) {
		return out.resolveSibling(out.getFileName() + ".ckpt");
	}

	/**
	 * Checks (see {@link #check}) and claims {@code out} for this run; an {@code overwrite} that starts afresh removes
	 * an earlier run's checkpoint, which would otherwise be resumed later by mistake.
	 *
	 * @param option how the user named the file ({@code --prompts-out}, {@code prompts_out}), for messages
	 */
	public static TrainingOutput claim(Path out, String option, boolean resume, boolean overwrite) throws IOException {
		check(out, option, resume, overwrite);
		OutputLock lock = OutputLock.tryAcquireFor(out);
		if (lock == null) throw new IllegalStateException("Another training is writing " + out + " now; wait for it to "
			+ "finish, or choose another " + option + ".");
		try {
			check(out, option, resume, overwrite); // again: a run that finished meanwhile is now a result
			if (overwrite && !resume) Files.deleteIfExists(checkpoint(out));
			return new TrainingOutput(out, resume, lock);
		}
		catch (IOException | RuntimeException e) {
			lock.close();
			throw e;
		}
	}

	/**
	 * Refuses, before anything loads: an output in a folder that does not exist or cannot be written; a finished
	 * result that would be replaced without {@code overwrite} (also by a {@code resume} that has no checkpoint); a
	 * checkpoint that a run without {@code resume} would replace.
	 */
	public static void check(Path out, String option, boolean resume, boolean overwrite) {
		requireWritableFolder(out, option);
		Path ckpt = checkpoint(out);
		boolean result = Files.exists(out), unfinished = Files.exists(ckpt);
		if (overwrite) return;
		boolean cli = option.startsWith("--"); // Fiji's dialogs have resume but no overwrite
		if (resume && !unfinished && result) throw new RequestException("There is no checkpoint " + ckpt.getFileName()
			+ " to resume: " + out + " is a finished training. Choose another " + option + (cli ? ", or pass "
				+ "--overwrite to train it again from the start." : ", or delete it to train it again."));
		if (!resume && unfinished) throw new RequestException("An unfinished training of " + out.getFileName()
			+ " is in " + ckpt + (cli ? "; pass --resume to continue it, or --overwrite to start afresh (the checkpoint is "
				+ "then removed)." : "; tick resume to continue it, or delete the checkpoint to start afresh."));
		if (!resume && result) throw new RequestException(out + " exists already; choose another " + option + (cli
			? ", or pass --overwrite." : ", or delete it."));
	}

	/**
	 * Refuses an output file whose folder does not exist or cannot be written, or that is itself a folder: checked
	 * before a long run, not after it.
	 */
	public static void requireWritableFolder(Path out, String option) {
		if (Files.isDirectory(out)) throw new RequestException(option + " " + out + " is a folder; give a file name "
			+ "in it.");
		Path dir = out.toAbsolutePath().getParent();
		if (!Files.isDirectory(dir)) throw new RequestException("The folder " + dir + " of " + option + " does not "
			+ "exist; create it first, or choose another " + option + ".");
		if (!Files.isWritable(dir)) throw new RequestException("The folder " + dir + " of " + option + " cannot be "
			+ "written; choose another " + option + ".");
	}

	public Path file() {
		return file;
	}

	public boolean resume() {
		return resume;
	}

	@Override
	public void close() throws IOException {
		lock.close();
	}
}
