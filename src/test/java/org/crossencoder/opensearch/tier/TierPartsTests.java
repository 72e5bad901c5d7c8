/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.tier;

import java.util.List;
import org.junit.Test;
import org.opensearch.test.OpenSearchTestCase;

/** How a request's passages split over the nodes of the tier. */
public class TierPartsTests extends OpenSearchTestCase {

    private static List<List<Integer>> parts(int passages, int nodes) {
        return RerankingTier.parts(passages, nodes).stream()
                .map(part -> List.of(part[0], part[1]))
                .toList();
    }

    @Test
    public void oneNodeOrFewPassagesMakeOnePart() {
        assertEquals(List.of(List.of(0, 100)), parts(100, 1));
        assertEquals(List.of(List.of(0, 31)), parts(31, 3));
        assertEquals(List.of(List.of(0, 0)), parts(0, 3));
    }

    @Test
    public void manyPassagesSplitInOnePartPerNodeOfAtLeastTheMinimum() {
        assertEquals(List.of(List.of(0, 50), List.of(50, 100)), parts(100, 2));
        assertEquals(List.of(List.of(0, 33), List.of(33, 66), List.of(66, 100)), parts(100, 3));
        assertEquals(List.of(List.of(0, 16), List.of(16, 32)), parts(32, 5));
        for (int passages = 0; passages < 300; passages += 7) {
            List<int[]> split = RerankingTier.parts(passages, 4);
            assertEquals(0, split.get(0)[0]);
            assertEquals(passages, split.get(split.size() - 1)[1]);
            for (int i = 1; i < split.size(); i++) {
                assertEquals(split.get(i - 1)[1], split.get(i)[0]);
                assertTrue(split.get(i)[1] - split.get(i)[0] >= RerankingTier.MIN_PASSAGES_PER_PART);
            }
        }
    }
}
