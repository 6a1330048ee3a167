package org.mvpseg.student;

import org.mvpseg.clip.io.RawTensor;
import org.mvpseg.clip.io.TrainedFile;
import org.mvpseg.clip.io.SafetensorsWriter;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The student's training checkpoint ({@code <student>.ckpt}, docs/file-formats.md): parameters, SGD momentum,
 * iteration, and what the run must agree on to be resumed. Written every {@code checkpointEvery} iterations,
 * removed when training completes.
 */
final class StudentCheckpoint {

	static final String FORMAT = "mvp-seg-student-checkpoint";

	private StudentCheckpoint() {}

	static Path pathFor(Path student) {
		return student.resolveSibling(student.getFileName() + ".ckpt");
	}

	/** SGD with momentum and weight decay, PyTorch's form: v ← μ·v + g + wd·p;  p ← p − lr·v. */
	static final class Sgd {
		final float[][] velocity;

		Sgd(float[][] params) {
			velocity = new float[params.length][];
			for (int i = 0; i < velocity.length; i++) velocity[i] = new float[params[i].length];
		}

		/** @param lr per tensor */
		void apply(float[][] params, float[][] grads, double[] lr, double momentum, double weightDecay) {
			for (int t = 0; t < grads.length; t++) {
				float[] p = params[t], v = velocity[t], g = grads[t];
				for (int i = 0; i < p.length; i++) {
					v[i] = (float) (momentum * v[i] + g[i] + weightDecay * p[i]);
					p[i] -= (float) (lr[t] * v[i]);
				}
			}
		}
	}

	/** @param params the head's tensors, then the fine-tuned last block's (if any), each stored flat */
	static void save(Path ckpt, float[][] params, Sgd sgd, int iteration, String run) throws IOException {
		Map<String, RawTensor> t = new LinkedHashMap<>();
		for (int i = 0; i < params.length; i++) {
			t.put("p" + i, SafetensorsWriter.f32("p" + i, params[i], params[i].length));
			t.put("v" + i, SafetensorsWriter.f32("v" + i, sgd.velocity[i], params[i].length));
		}
		Map<String, String> meta = new LinkedHashMap<>();
		meta.put("format", FORMAT);
		meta.put("iteration", Integer.toString(iteration));
		meta.put("run", run);
		SafetensorsWriter.write(ckpt, t, meta);
	}

	/**
	 * Restores parameters and momentum; returns the iteration to continue from. Every tensor must have this run's size
	 * and finite values, and the iteration must lie within the run's {@code iterations}: otherwise it is damaged.
	 */
	static int load(Path ckpt, float[][] params, Sgd sgd, String run, int iterations) throws IOException {
		TrainedFile f = new TrainedFile(ckpt, "student checkpoint", "delete it and run transfer again without --resume "
			+ "(or with --overwrite)");
		Map<String, String> meta = f.metadata();
		if (!FORMAT.equals(meta.get("format"))) throw new IOException(ckpt + " is not a student checkpoint; remove it "
			+ "or train without --resume.");
		if (!run.equals(meta.get("run"))) throw new IllegalArgumentException("The checkpoint " + ckpt.getFileName()
			+ " was made with other settings, classes, weights or teacher; resume with the same ones, or delete it to "
			+ "start afresh.");
		int iteration = f.integer(meta, "iteration", 1, iterations);
		Map<String, RawTensor> t = f.tensors();
		for (int i = 0; i < params.length; i++) {
			System.arraycopy(f.floats(t, "p" + i, params[i].length), 0, params[i], 0, params[i].length);
			System.arraycopy(f.floats(t, "v" + i, params[i].length), 0, sgd.velocity[i], 0, params[i].length);
		}
		if (t.containsKey("p" + params.length)) throw f.damaged("it holds more tensors than this run trains");
		return iteration;
	}
}
