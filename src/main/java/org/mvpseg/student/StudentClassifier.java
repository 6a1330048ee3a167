package org.mvpseg.student;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.mvpseg.clip.Nn;
import org.mvpseg.mvp.Gpr;
import org.mvpseg.mvp.MvpHead;
import org.mvpseg.segment.PixelClassifier;
import org.mvpseg.segment.ZeroShotClassifier;

import java.util.List;

/**
 * An MVP-SEG+ student in the shared sliding-window pipeline: its logits per window (plus log g_c of its teacher's GPR
 * when it kept one, as in training), upsampled and averaged like any score, softmax over classes. Segments any subset
 * of the classes it was trained for, in any order (the classifier rows are the fixed text embeddings of those classes;
 * g_c is per class).
 */
public final class StudentClassifier implements PixelClassifier {

	private final StudentFile student;
	private final List<String> names;
	private final NDManager manager;
	private final List<NDArray> params;
	private final NDArray embeddings;
	private final boolean useGpr;
	private final List<NDArray> block;
	/** The teacher's GPR over {@link #names}, or null (none kept, or turned off). */
	private final Gpr gpr;
	private final boolean dropAbsent;

	public StudentClassifier(StudentFile student, List<String> classNames, NDManager parent) {
		this(student, classNames, true, false, parent);
	}

	/**
	 * @param useGpr false: g_c = 1 (the head's scores alone; g_c still reported)
	 * @param dropAbsent leave out of each window the classes GPR judges absent there
	 */
	public StudentClassifier(StudentFile student, List<String> classNames, boolean useGpr, boolean dropAbsent,
		NDManager parent)
	{
		for (String c : classNames) if (!student.classes.contains(c)) throw new org.mvpseg.runtime.RequestException(
			"The student was trained for the classes " + student.classes + "; \"" + c + "\" is not one of them. Segment "
				+ "those classes (or a subset), or train a student for \"" + c + "\" with transfer.");
		if ((!useGpr || dropAbsent) && student.gpr == null) throw new org.mvpseg.runtime.RequestException("This student "
			+ "kept no GPR (its teacher was zero-shot, or it was trained without): leave out turning GPR off and leaving "
			+ "out absent classes.");
		if (dropAbsent && !useGpr) throw new IllegalArgumentException("dropping absent classes needs GPR on");
		this.student = student;
		this.names = List.copyOf(classNames);
		this.gpr = student.gpr == null ? null : student.gpr.select(names);
		this.useGpr = useGpr;
		this.dropAbsent = dropAbsent;
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
		return score(features, null).scores();
	}

	/** The head's scores (+ log g_c), and each window's g_c when the student kept its teacher's GPR. */
	@Override
	public Scored score(NDArray features, NDArray keys) {
		NDArray s = StudentHead.forward(features, params, embeddings);
		if (gpr == null) return new Scored(s, null);
		NDArray z = gpr.logits(features);
		float[] g = ai.djl.nn.Activation.sigmoid(z).toFloatArray();
		if (!useGpr) return new Scored(s, g);
		s = MvpHead.logScores(s, z);
		return new Scored(dropAbsent ? MvpHead.withoutAbsent(s, g) : s, g);
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
		return student.describe() + (gpr == null ? "" : !useGpr ? "; GPR off at inference: g_c = 1" : dropAbsent
			? "; classes judged absent in a window (g_c < 0.5) left out of it" : "");
	}

	@Override
	public void close() {
		manager.close();
	}
}
