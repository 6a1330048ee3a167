package org.mvpseg.mvp;

/**
 * SGD with momentum and weight decay, PyTorch's form, for both trainers (prompts, students):
 * v ← μ·v + g + wd·p;  p ← p − lr·v. The velocity is kept in float, exactly as checkpoints store it, so a resumed run
 * continues bit for bit.
 */
public final class Sgd {

	private final float[][] velocity;

	/** A zero velocity per tensor of these sizes. */
	public Sgd(int... sizes) {
		velocity = new float[sizes.length][];
		for (int t = 0; t < sizes.length; t++) velocity[t] = new float[sizes[t]];
	}

	/** A zero velocity per tensor of {@code params}. */
	public static Sgd of(float[][] params) {
		int[] sizes = new int[params.length];
		for (int t = 0; t < sizes.length; t++) sizes[t] = params[t].length;
		return new Sgd(sizes);
	}

	/** Tensor {@code t}'s velocity, to checkpoint or restore. */
	public float[] velocity(int t) {
		return velocity[t];
	}

	/** One step of tensor {@code t} with its gradient {@code g}. */
	public void step(int t, float[] p, float[] g, double lr, double momentum, double weightDecay) {
		float[] v = velocity[t];
		for (int i = 0; i < p.length; i++) {
			v[i] = (float) (momentum * v[i] + g[i] + weightDecay * p[i]);
			p[i] -= (float) (lr * v[i]);
		}
	}

	/**
	 * One step of scalars held in double (temperatures, a bias) without weight decay: each result rounded to float, as
	 * checkpoints store them.
	 */
	public void step(int t, double[] p, double[] g, double lr, double momentum) {
		float[] v = velocity[t];
		for (int j = 0; j < p.length; j++) {
			v[j] = (float) (momentum * v[j] + g[j]);
			p[j] = (float) (p[j] - lr * v[j]);
		}
	}

	/** One step of every tensor, each at its own learning rate. */
	public void step(float[][] params, float[][] grads, double[] lr, double momentum, double weightDecay) {
		for (int t = 0; t < grads.length; t++) step(t, params[t], grads[t], lr[t], momentum, weightDecay);
	}
}
