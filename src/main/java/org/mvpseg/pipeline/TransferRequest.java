package org.mvpseg.pipeline;

import org.mvpseg.mvp.PromptSet;
import org.mvpseg.runtime.RequestException;
import org.mvpseg.segment.Templates;
import org.mvpseg.student.StudentTrainer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * An MVP-SEG+ transfer, from the command line or Fiji, built and checked like a {@link SegmentRequest}: every mistake
 * refused before the teacher loads ({@link RequestException}: exit 2 on the command line).
 *
 * @param teacher the teacher's segmentation (learned prompts or zero-shot) over the student's classes
 * @param unlabeled a folder of images the teacher labels, or null
 * @param data a dataset folder with partial labels (255 = not annotated), or null
 * @param unseenGiven the unseen classes named by the user, or null: those the prompts were not trained on
 * @param output the student file to write (its checkpoint goes beside it)
 */
public record TransferRequest(SegmentRequest teacher, StudentTrainer.Config config, Path unlabeled, Path data,
	List<String> unseenGiven, Path output, boolean resume)
{
	public TransferRequest {
		if (teacher == null) throw new RequestException("Give the teacher: a prompt set, or zero-shot.");
		if (teacher.student() != null) throw new RequestException("The teacher is a prompt set or zero-shot "
			+ "segmentation, not another student.");
		if (unlabeled == null && data == null) throw new RequestException("Give a folder of unlabeled images and/or a "
			+ "dataset folder with partial annotations.");
		if (config == null) config = StudentTrainer.Config.defaults();
		if (!config.gpr() && teacher.prompts() == null) throw new RequestException("Leaving out the teacher's GPR needs "
			+ "a teacher of learned prompts (a zero-shot teacher has no GPR): leave that option out.");
		if (unseenGiven != null) {
			for (String s : unseenGiven) if (!teacher.classes().contains(s)) throw new RequestException("Unseen class \""
				+ s + "\" is not among the classes " + teacher.classes() + ".");
			unseenGiven = List.copyOf(unseenGiven);
		}
		if (output == null) throw new RequestException("Give the file to write the student to.");
	}

	public List<String> classes() {
		return teacher.classes();
	}

	/** The unseen classes: those given, else those the prompts were not trained on, else (zero-shot) all of them. */
	public List<String> unseen() throws IOException {
		if (unseenGiven != null) return unseenGiven;
		if (teacher.prompts() == null) return classes();
		List<String> trained = PromptSet.load(teacher.prompts()).seenClasses();
		return classes().stream().filter(c -> !trained.contains(c)).toList();
	}

	public static Builder builder(SegmentRequest teacher) {
		return new Builder(teacher);
	}

	/** The text forms both front ends share. */
	public static final class Builder {
		private final SegmentRequest teacher;
		private StudentTrainer.Config config;
		private Path unlabeled, data, output;
		private List<String> unseen;
		private boolean resume;

		private Builder(SegmentRequest teacher) {
			this.teacher = teacher;
		}

		public Builder config(StudentTrainer.Config c) {
			config = c;
			return this;
		}

		/** Folders as typed; blank: none. */
		public Builder images(String unlabeledFolder, String dataFolder) {
			unlabeled = SegmentRequest.Builder.path(unlabeledFolder);
			data = SegmentRequest.Builder.path(dataFolder);
			return this;
		}

		/** "b, c" (the class-name rules of segmenting, one name allowed); blank: automatic. */
		public Builder unseen(String text) {
			unseen = SegmentRequest.Builder.blank(text) ? null : Templates.parseNames(text);
			return this;
		}

		/** Where the student goes; {@code resume}: from the checkpoint beside it. */
		public Builder output(Path student, boolean resume) {
			output = student;
			this.resume = resume;
			return this;
		}

		public TransferRequest build() {
			return new TransferRequest(teacher, config, unlabeled, data, unseen, output, resume);
		}
	}
}
