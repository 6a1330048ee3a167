package org.mvpseg.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.mvpseg.clip.DenseMode;
import org.mvpseg.runtime.RequestException;
import org.mvpseg.segment.SegmentOptions;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The option table: its rows reach a request from their text forms and come back in every provenance record. */
class SegmentOptionTest {

	private static Resolved resolved(Path prompts, Path student) {
		return new Resolved(Path.of("w.pt"), "ViT-B/16", "cpu", "fp32", "m", "the classifier", List.of("a", "b"), prompts,
			prompts == null && student == null ? "85 (MaskCLIP)" : null, DenseMode.MASKCLIP, 0.5, 0, new SegmentOptions(
				224, 112, 8, 0, SegmentOptions.DEFAULT_BUDGET).withPamr(true), null, List.of("a note"), student);
	}

	/** The keys summaries have always had, in their order: the table changed how they are made, not what they say. */
	@Test
	void provenanceKeepsItsKeysAndOrder() {
		List<String> head = List.of("method", "classifier", "classes", "weights", "architecture", "device", "precision");
		List<String> tail = List.of("dense_mode", "window", "stride", "gpr_scope", "batch", "short_side", "pamr",
			"channels", "notes");
		assertEquals(concat(head, List.of("templates", "prompt_denoising", "key_smoothing"), tail), List.copyOf(resolved(
			null, null).toMap().keySet()));
		assertEquals(concat(head, List.of("prompts"), tail), List.copyOf(resolved(Path.of("p.json"), null).toMap()
			.keySet()));
		assertEquals(concat(head, List.of("student"), tail), List.copyOf(resolved(null, Path.of("s.student")).toMap()
			.keySet()));
		Map<String, Object> m = resolved(null, null).toMap();
		assertEquals(0.5, m.get("prompt_denoising"));
		assertEquals(224, m.get("window"));
		assertEquals("window", m.get("gpr_scope"));
		assertEquals("automatic", m.get("channels"));
		assertTrue(resolved(null, null).lines().contains("refinement: " + org.mvpseg.segment.Pamr.NACLIP));
	}

	/** Each row a run takes is reported under its provenance key with the value {@link Resolved#used} gives. */
	@Test
	void everyOptionARunTakesIsInItsProvenance() {
		for (Resolved r : List.of(resolved(null, null), resolved(Path.of("p.json"), null), resolved(null, Path.of("s"))))
			for (SegmentOption o : SegmentOption.values()) if (r.applies(o)) assertEquals(r.used(o), r.toMap().get(o
				.provenance()), o + " in " + r.toMap());
	}

	@Test
	void textFormsBuildTheSameRequestAsTheBuilder() {
		SegmentRequest.Builder b = SegmentRequest.builder().classes("a, b");
		SegmentOption.apply(b, Map.of(SegmentOption.WINDOW, "96", SegmentOption.STRIDE, "48", SegmentOption.PAMR, "true",
			SegmentOption.TEMPERATURE, "40", SegmentOption.CHANNELS, "2"));
		SegmentRequest r = b.build();
		assertEquals(96, r.windows().window());
		assertEquals(48, r.windows().stride());
		assertTrue(r.windows().pamr());
		assertEquals(40, r.temperature());
		assertEquals(1, r.channels()[0]);
		assertThrows(RequestException.class, () -> SegmentOption.WINDOW.apply(SegmentRequest.builder(), "x"));
		assertEquals("[--window N] [--pamr] [--channels 1,2,3]", SegmentOption.usage(List.of(SegmentOption.CHANNELS,
			SegmentOption.PAMR, SegmentOption.WINDOW)), "table order, whatever the order asked in");
	}

	@SafeVarargs
	private static List<String> concat(List<String>... parts) {
		return java.util.Arrays.stream(parts).flatMap(List::stream).toList();
	}
}
