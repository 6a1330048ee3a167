package org.mvpseg.student;

import org.mvpseg.clip.ClipModel;
import org.mvpseg.clip.DenseMode;
import org.mvpseg.image.ClipInput;
import org.mvpseg.image.ImageSource;
import org.mvpseg.runtime.Progress;
import org.mvpseg.segment.PixelClassifier;
import org.mvpseg.segment.SegmentationSink;

import java.io.IOException;
import java.util.List;

/**
 * What MVP-SEG+ needs of its teacher: a ready segmentation (learned prompts or zero-shot, over the student's
 * classes) and the frozen parts it shares with the student. The pipeline's {@code Prepared} provides one.
 */
public interface Teacher {

	ClipModel model();

	/** The weights' identity by their tensors, which the student file records (other weights are refused). */
	String weightsIdentity() throws IOException;

	/** The trunk's dense mode, which the student keeps. */
	DenseMode denseMode();

	List<String> classes();

	/** The teacher's text embeddings: the student's fixed classifier. */
	PixelClassifier.Embeddings embeddings();

	/**
	 * The teacher's Global Prompt Refining over its classes (learned prompts), or empty (zero-shot): the student
	 * weighs its scores by the same g_c, in training and when it segments (docs/formulas.md §8).
	 */
	java.util.Optional<org.mvpseg.mvp.Gpr> gpr();

	/** One line naming the teacher, for the student file. */
	String describe();

	ClipInput input(ImageSource image);

	void segment(ClipInput input, SegmentationSink sink, Progress progress) throws IOException;
}
