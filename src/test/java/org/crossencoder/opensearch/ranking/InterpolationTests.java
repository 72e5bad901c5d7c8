/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.ranking;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;

import java.util.Arrays;
import java.util.BitSet;
import org.apache.lucene.search.Explanation;
import org.junit.Test;
import org.opensearch.test.OpenSearchTestCase;

public class InterpolationTests extends OpenSearchTestCase {

    /** BM25-like first-stage scores, best first, and model logits on another scale that disagree with them. */
    private static final float[] FIRST_STAGE = {30f, 20f, 10f};

    private static final PassageScores MODEL = PassageScores.complete(new float[] {-4f, 6f, 1f});

    @Test
    public void minMaxBlendsBothScoresOnOneScale() {
        Interpolation.Window window =
                new Interpolation(Interpolation.Normalization.MIN_MAX, 0.5f).over(FIRST_STAGE, MODEL);
        // first stage normalized: 1, 0.5, 0; model normalized: 0, 1, 0.5
        assertEquals(0.5f, window.combine(0), 1e-6f);
        assertEquals(0.75f, window.combine(1), 1e-6f);
        assertEquals(0.25f, window.combine(2), 1e-6f);
    }

    @Test
    public void theWeightRunsFromTheFirstStageAloneToTheModelAlone() {
        assertEquals("[0, 1, 2]", Arrays.toString(order(new Interpolation(Interpolation.Normalization.MIN_MAX, 0f))));
        assertEquals("[1, 2, 0]", Arrays.toString(order(new Interpolation(Interpolation.Normalization.MIN_MAX, 1f))));
        assertEquals(
                "[1, 2, 0]",
                Arrays.toString(order(new Interpolation(Interpolation.Normalization.RECIPROCAL_RANK, 1f))));
        assertEquals(
                "[0, 1, 2]",
                Arrays.toString(order(new Interpolation(Interpolation.Normalization.RECIPROCAL_RANK, 0f))));
    }

    @Test
    public void reciprocalRankSeesOnlyTheOrder() {
        Interpolation.Window window =
                new Interpolation(Interpolation.Normalization.RECIPROCAL_RANK, 0.5f).over(FIRST_STAGE, MODEL);
        // hit 1: first-stage rank 2, model rank 1
        assertEquals(0.5f / 62 + 0.5f / 61, window.combine(1), 1e-7f);
    }

    @Test
    public void onlyTheHitsTheModelScoredCountAndEqualScoresNormalizeToOne() {
        BitSet scored = new BitSet();
        scored.set(0);
        scored.set(2);
        // Hit 1 went unscored (a timeout): the window's min and max come from hits 0 and 2 only.
        PassageScores partial = new PassageScores(new float[] {5f, 0f, 5f}, scored, true);
        Interpolation.Window window =
                new Interpolation(Interpolation.Normalization.MIN_MAX, 0.5f).over(FIRST_STAGE, partial);
        assertEquals("model scores all equal: 1; first stage 30 is the max", 1f, window.combine(0), 1e-6f);
        assertEquals(0.5f, window.combine(2), 1e-6f);
        assertThat(
                assertThrows(IllegalArgumentException.class, () -> window.combine(1))
                        .getMessage(),
                containsString("not scored"));
    }

    @Test
    public void explainsBothNormalizedScoresAndTheWeight() {
        Interpolation.Window window =
                new Interpolation(Interpolation.Normalization.MIN_MAX, 0.25f).over(FIRST_STAGE, MODEL);
        Explanation explanation = window.explain(1, Explanation.match(20f, "bm25"), Explanation.match(6f, "model"));
        assertEquals(window.combine(1), explanation.getValue().floatValue(), 0f);
        String text = explanation.toString();
        assertThat(text, containsString("min_max normalized"));
        assertThat(text, containsString("weight [0.25] times normalized cross-encoder score [1.0]"));
        assertThat(text, containsString("1 - weight [0.75] times normalized first-stage score [0.5]"));
    }

    @Test
    public void refusesAWeightOutsideZeroToOneAndAnUnknownNormalization() {
        assertThat(
                assertThrows(
                                IllegalArgumentException.class,
                                () -> new Interpolation(Interpolation.Normalization.MIN_MAX, 1.5f))
                        .getMessage(),
                containsString("[weight] must be between 0 and 1 but was [1.5]"));
        assertThat(
                assertThrows(IllegalArgumentException.class, () -> Interpolation.Normalization.fromString("z_score"))
                        .getMessage(),
                containsString("[normalization] must be one of [min_max, reciprocal_rank] but was [z_score]"));
    }

    private static int[] order(Interpolation interpolation) {
        Interpolation.Window window = interpolation.over(FIRST_STAGE, MODEL);
        Reranking reranking =
                Reranking.of(FIRST_STAGE, MODEL, (hit, modelScore) -> window.combine(hit), Integer::compare);
        int[] order = new int[FIRST_STAGE.length];
        for (int rank = 0; rank < order.length; rank++) {
            order[rank] = reranking.hitAt(rank);
        }
        return order;
    }
}
