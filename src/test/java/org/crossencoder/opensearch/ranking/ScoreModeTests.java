/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.ranking;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;

import org.apache.lucene.search.Explanation;
import org.junit.Test;
import org.opensearch.common.io.stream.BytesStreamOutput;
import org.opensearch.test.OpenSearchTestCase;

public class ScoreModeTests extends OpenSearchTestCase {

    @Test
    public void combinesLikeTheQueryRescorerPlusReplace() {
        assertEquals(-2f, ScoreMode.REPLACE.combine(3f, -2f), 0f);
        assertEquals(1f, ScoreMode.TOTAL.combine(3f, -2f), 0f);
        assertEquals(-6f, ScoreMode.MULTIPLY.combine(3f, -2f), 0f);
        assertEquals(0.5f, ScoreMode.AVG.combine(3f, -2f), 0f);
        assertEquals(3f, ScoreMode.MAX.combine(3f, -2f), 0f);
        assertEquals(-2f, ScoreMode.MIN.combine(3f, -2f), 0f);
    }

    @Test
    public void explainsTheCombination() {
        Explanation first = Explanation.match(3f, "bm25");
        Explanation crossEncoder = Explanation.match(-2f, "model");
        Explanation total = ScoreMode.TOTAL.explain(first, crossEncoder);
        assertEquals(1f, total.getValue().floatValue(), 0f);
        assertEquals(2, total.getDetails().length);
        Explanation replace = ScoreMode.REPLACE.explain(first, crossEncoder);
        assertEquals(-2f, replace.getValue().floatValue(), 0f);
        assertEquals(1, replace.getDetails().length);
    }

    @Test
    public void parsesAndSerialisesByName() throws Exception {
        for (ScoreMode mode : ScoreMode.values()) {
            assertEquals(mode, ScoreMode.fromString(mode.toString()));
            try (BytesStreamOutput out = new BytesStreamOutput()) {
                mode.writeTo(out);
                assertEquals(
                        "on the wire by name, not position",
                        mode.toString(),
                        out.bytes().streamInput().readString());
                assertEquals(mode, ScoreMode.readFrom(out.bytes().streamInput()));
            }
        }
        assertThat(
                assertThrows(IllegalArgumentException.class, () -> ScoreMode.fromString("REPLACE"))
                        .getMessage(),
                containsString(
                        "[score_mode] must be one of [replace, total, multiply, avg, max, min, interpolate] but was [REPLACE]"));
    }
}
