package org.mvpseg.mvp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** GPR's present/absent separation as evaluation reports it (README › What was measured here). */
class PresenceScoreTest {

	@Test
	void rocAucCountsOrderedPairsWithTiesAsHalf() {
		boolean[] y = { true, false, true, false };
		assertEquals(1.0, Evaluation.rocAuc(new double[] { 0.9, 0.1, 0.8, 0.2 }, y), 1e-12);
		assertEquals(0.0, Evaluation.rocAuc(new double[] { 0.1, 0.9, 0.2, 0.8 }, y), 1e-12);
		assertEquals(0.5, Evaluation.rocAuc(new double[] { 0.5, 0.5, 0.5, 0.5 }, y), 1e-12);
		// pairs (present, absent): (0.9,0.1) (0.9,0.6) (0.4,0.1) (0.4,0.6) → 3 of 4 ordered rightly
		assertEquals(0.75, Evaluation.rocAuc(new double[] { 0.9, 0.1, 0.4, 0.6 }, y), 1e-12);
		// one tie among four pairs: (0.6, 0.6) counts ½
		assertEquals(0.875, Evaluation.rocAuc(new double[] { 0.9, 0.1, 0.6, 0.6 }, y), 1e-12);
		assertTrue(Double.isNaN(Evaluation.rocAuc(new double[] { 0.3, 0.4 }, new boolean[] { true, true })));
	}
}
