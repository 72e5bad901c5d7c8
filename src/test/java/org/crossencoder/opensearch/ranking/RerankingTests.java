/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.ranking;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.lessThan;

import java.util.Arrays;
import java.util.BitSet;
import java.util.Random;
import org.junit.Test;
import org.opensearch.test.OpenSearchTestCase;

public class RerankingTests extends OpenSearchTestCase {

    private static int[] order(Reranking reranking, int hits) {
        int[] order = new int[hits];
        for (int rank = 0; rank < hits; rank++) {
            order[rank] = reranking.hitAt(rank);
        }
        return order;
    }

    @Test
    public void scoredHitsComeFirstThenTheRestInFirstStageOrderBelowThem() {
        float[] firstStage = {9f, 8f, 7f, 6f, 5f};
        BitSet scored = new BitSet();
        scored.set(0);
        scored.set(2);
        // A window of 3 whose hit 1 a timeout left unscored; hits 3 and 4 are below the window.
        PassageScores model = new PassageScores(new float[] {-1f, 0f, 2f}, scored, true);
        Reranking reranking = Reranking.of(firstStage, model, (hit, modelScore) -> modelScore, Integer::compare);
        assertEquals(2, reranking.scoredCount());
        assertEquals("[2, 0, 1, 3, 4]", Arrays.toString(order(reranking, 5)));
        assertEquals(2f, reranking.score(2), 0f);
        assertEquals(-1f, reranking.score(0), 0f);
        assertThat(reranking.score(1), lessThan(-1f));
        assertEquals("the rest keep their first-stage gaps", 8f - 6f, reranking.score(1) - reranking.score(3), 1e-5f);
    }

    @Test
    public void equalScoresFollowTheTieBreakAndTheCombiner() {
        PassageScores model = PassageScores.complete(new float[] {1f, 1f, 1f});
        Reranking reversed = Reranking.of(
                new float[] {3f, 2f, 1f}, model, (hit, modelScore) -> modelScore, (a, b) -> Integer.compare(b, a));
        assertEquals("[2, 1, 0]", Arrays.toString(order(reversed, 3)));
        Reranking combined =
                Reranking.of(new float[] {3f, 2f, 1f}, model, (hit, modelScore) -> modelScore + hit, Integer::compare);
        assertEquals("[2, 1, 0]", Arrays.toString(order(combined, 3)));
        assertEquals(3f, combined.score(2), 0f);
    }

    @Test
    public void nothingScoredLeavesOrderAndScores() {
        PassageScores model = new PassageScores(new float[2], new BitSet(), true);
        Reranking reranking =
                Reranking.of(new float[] {4f, 3f, 2f}, model, (hit, modelScore) -> modelScore, Integer::compare);
        assertEquals(0, reranking.scoredCount());
        assertEquals("[0, 1, 2]", Arrays.toString(order(reranking, 3)));
        assertEquals(3f, reranking.score(1), 0f);
    }

    @Test
    public void hitsBelowTheWindowRankStrictlyAfterEveryRerankedHit() {
        // Found by a test on a real node: the shifted first-stage score rounded back up to the lowest logit. The plain
        // nextDown(lowest) - highest shift fails this for about a quarter of these pairs.
        Random random = new Random(42);
        for (int i = 0; i < 100_000; i++) {
            float lowestReranked = (random.nextFloat() - 0.5f) * (float) Math.pow(10, random.nextInt(5));
            float highestBelow = random.nextFloat() * (float) Math.pow(10, random.nextInt(5));
            float shift = Reranking.belowShift(lowestReranked, highestBelow);
            assertThat(lowestReranked + " / " + highestBelow, highestBelow + shift, lessThan(lowestReranked));
        }
    }
}
