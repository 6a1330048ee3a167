package org.mvpseg.mvp;

import org.mvpseg.clip.io.RawTensor;
import org.mvpseg.clip.io.SafetensorsWriter;
import org.mvpseg.clip.io.TrainedFile;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Training checkpoints of both trainers ({@code <prompts>.ckpt}, {@code <student>.ckpt}; docs/file-formats.md): the
 * parameters, the optimiser's velocity, the iteration and what a run must agree on to be resumed, so that
 * {@code --resume} continues bit for bit. Written every {@code checkpointEvery} iterations, kept when a run is
 * cancelled, removed when it completes. Each trainer names its tensors and its agreement; the file is the same kind.
 *
 * @param format the {@code format} metadata value ("mvp-seg-checkpoint", "mvp-seg-student-checkpoint")
 * @param kind what the file is called in messages ("training checkpoint")
 * @param remedy what to do about a damaged one
 * @param agreement what a differing agreement means in words ("settings, classes, weights or dense mode")
 */
public record Checkpoint(String format, String kind, String remedy, String agreement) {

	public static Path pathFor(Path output) {
		return output.resolveSibling(output.getFileName() + ".ckpt");
	}

	/** Writes the tensors with {@code format}, {@code iteration}, then the run's agreement, in this order. */
	public void save(Path ckpt, int iteration, Map<String, RawTensor> tensors, Map<String, String> run)
		throws IOException
	{
		Map<String, String> meta = new LinkedHashMap<>();
		meta.put("format", format);
		meta.put("iteration", Integer.toString(iteration));
		meta.putAll(run);
		SafetensorsWriter.write(ckpt, tensors, meta);
	}

	/** A checkpoint read back: its file (to check tensors), tensors and the iteration to continue from. */
	public record Opened(TrainedFile file, Map<String, RawTensor> tensors, int iteration) {
		public float[] floats(String name, long... shape) throws IOException {
			return file.floats(tensors, name, shape);
		}
	}

	/** Metadata older checkpoints lack, and what they meant: before dense modes every run used maskclip. */
	private static final Map<String, String> ABSENT = Map.of("dense_mode", "maskclip");

	/**
	 * Opens a checkpoint of this run: another format is refused, another run's (any value of {@code run} differs) too, and
	 * an iteration outside 1..{@code iterations} or a damaged tensor is reported as damaged.
	 */
	public Opened open(Path ckpt, Map<String, String> run, int iterations) throws IOException {
		TrainedFile f = new TrainedFile(ckpt, kind, remedy);
		Map<String, String> meta = f.metadata();
		if (!format.equals(meta.get("format"))) throw new IOException(ckpt + " is not a " + kind + "; remove it or train "
			+ "without --resume.");
		for (Map.Entry<String, String> e : run.entrySet()) if (!e.getValue().equals(meta.getOrDefault(e.getKey(), ABSENT.get(
			e.getKey())))) throw new IllegalArgumentException("The checkpoint " + ckpt.getFileName() + " was made "
			+ "with other " + agreement + "; resume with the same ones, or delete it to start afresh.");
		int iteration = f.integer(meta, "iteration", 1, iterations);
		return new Opened(f, f.tensors(), iteration);
	}
}
