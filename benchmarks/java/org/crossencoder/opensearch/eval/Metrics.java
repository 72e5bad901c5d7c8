/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.eval;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Per-query relevance metrics with trec_eval's definitions (the ones BEIR reports through pytrec_eval):
 * <ul>
 *   <li>the run is re-sorted as trec_eval does: score descending, ties by document id descending
 *       (string order), so equal scores always rank the same way whatever order the engine returned;</li>
 *   <li>{@code ndcg_cut_10}: DCG with linear gains (the judged grade itself) and {@code log2(rank + 1)}
 *       discounts over the top 10, divided by the DCG of the ideal order of all judged documents;</li>
 *   <li>MRR@10: 1 / rank of the first document with grade &gt; 0 within the top 10, else 0;</li>
 *   <li>{@code recall_100}: judged-relevant documents (grade &gt; 0) in the top 100 / all judged-relevant.</li>
 * </ul>
 */
public final class Metrics {

    /** One retrieved document. */
    public record Scored(String docId, double score) {}

    /** trec_eval's ordering of a run: score descending, then document id descending. */
    static final Comparator<Scored> TREC_EVAL_ORDER = Comparator.comparingDouble(Scored::score)
            .reversed()
            .thenComparing(Scored::docId, Comparator.reverseOrder());

    private Metrics() {}

    public static List<String> rank(List<Scored> run) {
        List<Scored> sorted = new ArrayList<>(run);
        sorted.sort(TREC_EVAL_ORDER);
        return sorted.stream().map(Scored::docId).toList();
    }

    public static double ndcg(List<String> ranking, Map<String, Integer> judgments, int k) {
        double dcg = 0;
        for (int i = 0; i < Math.min(k, ranking.size()); i++) {
            dcg += judgments.getOrDefault(ranking.get(i), 0) / log2(i + 2);
        }
        List<Integer> ideal = judgments.values().stream()
                .filter(g -> g > 0)
                .sorted(Comparator.reverseOrder())
                .toList();
        double idcg = 0;
        for (int i = 0; i < Math.min(k, ideal.size()); i++) {
            idcg += ideal.get(i) / log2(i + 2);
        }
        return idcg == 0 ? 0 : dcg / idcg;
    }

    public static double reciprocalRank(List<String> ranking, Map<String, Integer> judgments, int k) {
        for (int i = 0; i < Math.min(k, ranking.size()); i++) {
            if (judgments.getOrDefault(ranking.get(i), 0) > 0) {
                return 1.0 / (i + 1);
            }
        }
        return 0;
    }

    public static double recall(List<String> ranking, Map<String, Integer> judgments, int k) {
        long relevant = judgments.values().stream().filter(g -> g > 0).count();
        if (relevant == 0) {
            return 0;
        }
        long found = ranking.stream()
                .limit(k)
                .filter(doc -> judgments.getOrDefault(doc, 0) > 0)
                .count();
        return (double) found / relevant;
    }

    private static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }
}
