package org.mvpseg.mvp;

/**
 * The hyper-parameters both trainers (prompts, MVP-SEG+ students) have, set by name in one place: iterations, batch,
 * seed, SGD's learning rate, momentum and weight decay, flips, the checkpoint interval. Each trainer's builder
 * starts from its own defaults and adds its own values.
 *
 * @param <B> the trainer's builder, so that each setter returns it
 */
public abstract class TrainingBuilder<B extends TrainingBuilder<B>> {

	protected int iterations, batch, checkpointEvery = 100;
	protected long seed;
	protected double lr, momentum = 0.9, weightDecay;
	protected boolean flip = true;

	protected TrainingBuilder(int iterations, int batch, double lr, double weightDecay) {
		this.iterations = iterations;
		this.batch = batch;
		this.lr = lr;
		this.weightDecay = weightDecay;
	}

	@SuppressWarnings("unchecked")
	private B self() {
		return (B) this;
	}

	public B iterations(int n) {
		iterations = n;
		return self();
	}

	public B batch(int n) {
		batch = n;
		return self();
	}

	public B seed(long s) {
		seed = s;
		return self();
	}

	/** SGD's (initial) learning rate. */
	public B lr(double rate) {
		lr = rate;
		return self();
	}

	/** SGD's momentum and weight decay. */
	public B sgd(double mu, double decay) {
		momentum = mu;
		weightDecay = decay;
		return self();
	}

	/** Random horizontal flips of the training crops or tiles. */
	public B flip(boolean on) {
		flip = on;
		return self();
	}

	public B checkpointEvery(int n) {
		checkpointEvery = n;
		return self();
	}
}
