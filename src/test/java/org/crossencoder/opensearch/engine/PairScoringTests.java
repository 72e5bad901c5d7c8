/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.engine;

import org.junit.Test;
import org.opensearch.test.OpenSearchTestCase;

/** How pairs sorted by length are cut into batches bounded in pairs and in padded tokens. */
public class PairScoringTests extends OpenSearchTestCase {

    private static final int[] SORTED = {20, 30, 40, 60, 100, 300, 300, 500};

    @Test
    public void shortPairsFillTheBatchSize() {
        assertEquals(3, PairScoring.batchEnd(SORTED, 0, 3, Integer.MAX_VALUE));
        assertEquals(4, PairScoring.batchEnd(SORTED, 0, 8, 240));
    }

    @Test
    public void aBatchStopsBeforeItsPaddedTokensPassTheBudget() {
        // 20, 30, 40, 60 padded to 60 is 240 tokens; with 100 it would be 500.
        assertEquals(4, PairScoring.batchEnd(SORTED, 0, 8, 499));
        assertEquals(5, PairScoring.batchEnd(SORTED, 0, 8, 500));
        assertEquals("two pairs of 300 fit in 600", 7, PairScoring.batchEnd(SORTED, 5, 8, 600));
        assertEquals(6, PairScoring.batchEnd(SORTED, 5, 8, 599));
    }

    @Test
    public void aPairLongerThanTheBudgetRunsAlone() {
        assertEquals(8, PairScoring.batchEnd(SORTED, 7, 8, 100));
        assertEquals(1, PairScoring.batchEnd(SORTED, 0, 8, 1));
    }

    @Test
    public void unsortedPairsArePaddedToTheLongestSoFar() {
        int[] unsorted = {300, 20, 20, 400};
        assertEquals("300 + two pairs of 20 padded to 300", 3, PairScoring.batchEnd(unsorted, 0, 8, 900));
        assertEquals(2, PairScoring.batchEnd(unsorted, 0, 8, 899));
    }
}
