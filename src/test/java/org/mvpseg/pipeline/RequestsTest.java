package org.mvpseg.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.mvpseg.clip.DenseMode;
import org.mvpseg.mvp.PromptTrainer;
import org.mvpseg.runtime.RequestException;
import org.mvpseg.student.StudentTrainer;

import java.nio.file.Path;
import java.util.List;

/** Training, transfer and evaluation requests refuse mistakes as segmentation requests do, before anything loads. */
class RequestsTest {

	static final SegmentRequest.Builder ZERO_SHOT = SegmentRequest.builder().template("a photo of {}.");

	@Test
	void aTrainingRequestChecksItsClassesAndDefaultsItsDenseMode() {
		TrainRequest r = TrainRequest.builder().seen("red, green").denseMode("").output(Path.of("p.prompts"), false)
			.build();
		assertEquals(DenseMode.MASKCLIP, r.denseMode(), "blank: the documented default, as segmenting's");
		assertEquals(SegmentRequest.DEFAULT_DENSE_MODE, r.denseMode());
		assertEquals(DenseMode.MASKCLIP, TrainRequest.builder().seen("a, b").denseMode("automatic").output(Path.of("p"),
			false).build().denseMode(), "Fiji's word for it");
		assertEquals(DenseMode.VALUE, TrainRequest.builder().seen("a, b").denseMode(" value").output(Path.of("p"), false)
			.build().denseMode());
		assertEquals(PromptTrainer.Config.defaults(), r.config());
		refused("at least two classes", () -> TrainRequest.builder().seen("red").output(Path.of("p"), false).build());
		refused("file to write the prompts", () -> TrainRequest.builder().seen("red, green").build());
		refused("Unknown dense mode", () -> TrainRequest.builder().denseMode("maskclap"));
		refused("\"green\" is not among the dataset's classes", () -> r.checkSeenIn(List.of("red", "blue")));
		r.checkSeenIn(List.of("blue", "green", "red"));
	}

	@Test
	void recipesAreBuiltByName() {
		PromptTrainer.Config paper = PromptTrainer.Config.paper();
		assertEquals(List.of(20000, 16, 512, 512), List.of(paper.iterations(), paper.batch(), paper.crop(), paper
			.resizeShortSide()));
		assertEquals(0.5, paper.scaleMin());
		assertEquals(2.0, paper.scaleMax());
		assertTrue(paper.photometric() && paper.flip());
		assertEquals(PromptTrainer.Config.defaults(), PromptTrainer.Config.recipe(" small").build());
		refused("unknown --recipe 'big'", () -> PromptTrainer.Config.recipe("big"));
		refused("at least 1", () -> PromptTrainer.Config.builder().batch(0).build());
	}

	@Test
	void aTransferRequestChecksItsImagesAndUnseenClasses() throws Exception {
		SegmentRequest teacher = ZERO_SHOT.classes("red, green, blue").build();
		TransferRequest r = TransferRequest.builder(teacher).images("imgs", "").unseen("").output(Path.of("s"), false)
			.build();
		assertEquals(List.of("red", "green", "blue"), r.unseen(), "zero-shot: every class is unseen");
		assertEquals(Path.of("imgs"), r.unlabeled());
		assertEquals(null, r.data());
		assertEquals(List.of("blue"), TransferRequest.builder(teacher).images("", "d").unseen(" blue ").output(Path.of(
			"s"), false).build().unseen());
		refused("unlabeled images and/or a dataset folder", () -> TransferRequest.builder(teacher).images(" ", null)
			.output(Path.of("s"), false).build());
		refused("Unseen class \"purple\" is not among the classes", () -> TransferRequest.builder(teacher).images("i",
			null).unseen("purple").output(Path.of("s"), false).build());
		refused("Empty class name", () -> TransferRequest.builder(teacher).unseen("green, , blue"));
	}

	@Test
	void theStudentsScheduleSaysWhatItDoes() {
		StudentTrainer.Config all = StudentTrainer.Config.builder().iterations(40).build();
		assertEquals(40, all.teacherIterations(), "automatic: the teacher's labels throughout");
		assertTrue(all.describe().startsWith("40 iterations (teacher labels throughout), "), all.describe());
		assertTrue(StudentTrainer.Config.builder().iterations(40).teacherIterations(4).build().describe().startsWith(
			"40 iterations (teacher labels for the first 4, then self-training), "));
		assertTrue(StudentTrainer.Config.builder().iterations(40).teacherIterations(0).build().describe().startsWith(
			"40 iterations (self-training throughout), "));
		refused("0 ≤ teacher iterations ≤ iterations", () -> StudentTrainer.Config.builder().iterations(4)
			.teacherIterations(5).build());
	}

	@Test
	void anEvaluationRequestChecksBothClassListsAgainstTheData() {
		EvaluationRequest r = EvaluationRequest.builder().seen("red, green").unseen("").method(ZERO_SHOT).build();
		List<String> data = List.of("red", "green", "blue");
		assertEquals(List.of("blue"), r.unseen(data));
		assertEquals(List.of("red", "green", "blue"), r.runs(data).get(0).classes());
		refused("\"green\" is both seen and unseen", () -> EvaluationRequest.builder().seen("red, green").unseen("green")
			.method(ZERO_SHOT).build());
		refused("a prompt set, the zero-shot baseline", () -> EvaluationRequest.builder().seen("red, green").build());
		EvaluationRequest purple = EvaluationRequest.builder().seen("red, green").unseen("purple").method(ZERO_SHOT)
			.build();
		refused("\"purple\" is not among the dataset's classes", () -> purple.runs(data));
		refused("judged absent", () -> EvaluationRequest.checkOptions(false, true, false, false, true));
	}

	private static void refused(String says, org.junit.jupiter.api.function.Executable e) {
		RequestException x = assertThrows(RequestException.class, e);
		assertTrue(x.getMessage().contains(says) || x.getMessage().toLowerCase().contains(says), x.getMessage());
	}
}
