/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.eval;

import static org.junit.Assert.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.Test;

/** The metrics on cases computed by hand. */
public class MetricsTests {

    private static final double EPSILON = 1e-9;

    @Test
    public void ndcgUsesLinearGainsAndLog2Discounts() {
        // Graded judgments as in NFCorpus: a=2, b=1, c=1, d unjudged.
        Map<String, Integer> judgments = Map.of("a", 2, "b", 1, "c", 1);
        // Ranking d, b, a: DCG = 0/1 + 1/log2(3) + 2/log2(4) = 0.6309297536 + 1 = 1.6309297536
        // Ideal a, b, c:  IDCG = 2/1 + 1/log2(3) + 1/log2(4) = 2 + 0.6309297536 + 0.5 = 3.1309297536
        assertEquals(
                1.6309297535714575 / 3.1309297535714575, Metrics.ndcg(List.of("d", "b", "a"), judgments, 10), EPSILON);
        assertEquals(1.0, Metrics.ndcg(List.of("a", "b", "c", "d"), judgments, 10), EPSILON);
        // Cut at 1: only rank 1 counts, in both DCG and IDCG: 1 / 2.
        assertEquals(0.5, Metrics.ndcg(List.of("b", "a"), judgments, 1), EPSILON);
        assertEquals(0.0, Metrics.ndcg(List.of("x", "y"), judgments, 10), EPSILON);
    }

    @Test
    public void ndcgIgnoresZeroGradeJudgments() {
        Map<String, Integer> judgments = Map.of("a", 1, "z", 0);
        // DCG = 0 + 1/log2(3); IDCG = 1 (z is judged but not relevant).
        assertEquals(0.6309297535714575, Metrics.ndcg(List.of("z", "a"), judgments, 10), EPSILON);
    }

    @Test
    public void reciprocalRankCountsTheFirstRelevantWithinTheCutoff() {
        Map<String, Integer> judgments = Map.of("c", 1, "e", 2);
        assertEquals(1.0 / 3, Metrics.reciprocalRank(List.of("a", "b", "c", "d", "e"), judgments, 10), EPSILON);
        assertEquals(0.0, Metrics.reciprocalRank(List.of("a", "b", "c"), judgments, 2), EPSILON);
        assertEquals(0.0, Metrics.reciprocalRank(List.of(), judgments, 10), EPSILON);
    }

    @Test
    public void recallCountsJudgedRelevantInTheTopK() {
        Map<String, Integer> judgments = Map.of("a", 1, "b", 1, "c", 2, "d", 0);
        assertEquals(2.0 / 3, Metrics.recall(List.of("a", "x", "c", "d"), judgments, 100), EPSILON);
        assertEquals(1.0 / 3, Metrics.recall(List.of("a", "x", "c"), judgments, 2), EPSILON);
    }

    @Test
    public void tiesAreBrokenLikeTrecEvalByDocumentIdDescending() {
        List<Metrics.Scored> run = List.of(
                new Metrics.Scored("doc1", 1.0),
                new Metrics.Scored("doc3", 2.0),
                new Metrics.Scored("doc2", 1.0),
                new Metrics.Scored("doc10", 1.0));
        // Equal scores: "doc2" > "doc10" > "doc1" as strings, descending.
        assertEquals(List.of("doc3", "doc2", "doc10", "doc1"), Metrics.rank(run));
    }
}
