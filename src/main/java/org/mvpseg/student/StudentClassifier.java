package org.mvpseg.student;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.mvpseg.clip.Nn;
import org.mvpseg.segment.PixelClassifier;
import org.mvpseg.segment.ZeroShotClassifier;

import java.util.List;

/**
 * An MVP-SEG+ student in the shared sliding-window pipeline: its logits per window, upsampled and
 * averaged like any score, softmax over classes. Segments any subset of the classes it was trained
 * for, in any order (the classifier rows are the fixed text embeddings of those classes).
 */
public final class StudentClassifier implements PixelClassifier {

	private final StudentFile student;
	private final List<String> names;
	private final NDManager manager;
	private final List<NDArray> params;
	private final NDArray embeddings;
	private final List<NDArray> block;

	public StudentClassifier(StudentFile student, List<String> classNames, NDManager parent) {
		for (String c : classNames) if (!student.classes.contains(c)) throw new org.mvpseg.runtime.RequestException(
			"The student was trained for the classes " + student.classes + "; \"" + c + "\" is not one of them. Segment "
				+ "those classes (or a subset), or train a student for \"" + c + "\" with transfer.");
		this.student = student;
		this.names = List.copyOf(classNames);
		this.manager = parent.newSubManager();
		this.params = student.head.arrays(manager);
		this.embeddings = Nn.owned(manager.create(select(student, names), new Shape(student.views, names.size(),
			student.head.width)));
		this.block = student.lastBlock == null ? null : org.mvpseg.clip.LastBlock.arrays(manager, student.lastBlock, student
			.lastBlock[0].length, student.head.width);
	}

	/**
	 * The dense features this student was trained on when it fine-tuned the last block (the model's tokens through
	 * the student's block), or null when the model's own features are the right ones.
	 */
	public java.util.function.UnaryOperator<NDArray> trunk(org.mvpseg.clip.ClipModel model) {
		if (block == null) return null;
		int cell = model.config().cellSize();
		org.mvpseg.clip.LastBlock last = org.mvpseg.clip.LastBlock.of(model, block);
		return x -> {
			NDArray tokens = model.patchTokensBeforeLastBlock(x);
			int gh = (int) (x.getShape().get(2) / cell), gw = (int) (x.getShape().get(3) / cell);
			return last.features(tokens, student.denseMode, gh, gw);
		};
	}

	/** The [K, C, E] embeddings of {@code names}, in their order. */
	static float[] select(StudentFile s, List<String> names) {
		int e = s.head.width, all = s.classes.size();
		float[] out = new float[s.views * names.size() * e];
		for (int k = 0; k < s.views; k++)
			for (int c = 0; c < names.size(); c++)
				System.arraycopy(s.embeddings, (k * all + s.classes.indexOf(names.get(c))) * e, out, (k * names.size() + c)
					* e, e);
		return out;
	}

	@Override
	public List<String> classNames() {
		return names;
	}

	@Override
	public NDArray scores(NDArray features) {
		return StudentHead.forward(features, params, embeddings);
	}

	@Override
	public void toProbabilities(float[][] scores, int offset, int n) {
		ZeroShotClassifier.softmax(scores, offset, n, 1f);
	}

	@Override
	public String method() {
		return "MVP-SEG+";
	}

	@Override
	public String describe() {
		return student.describe();
	}

	@Override
	public void close() {
		manager.close();
	}
}
