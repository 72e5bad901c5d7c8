/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.ranking;

import java.util.Arrays;
import java.util.function.IntBinaryOperator;

/**
 * The new order of a list of hits once the model has scored the first ones (its window): the hits it scored
 * first, best first; then, in their first-stage order, the window's hits a timeout left unscored and the hits
 * below the window, their scores shifted down by one constant so that they rank after every reranked hit.
 * One ordering for the shard rescorer and the response processor.
 */
public final class Reranking {

    /** The final score of a hit the model scored, from its position and the model's score. */
    @FunctionalInterface
    public interface Combiner {
        float combine(int hit, float modelScore);
    }

    private final int[] order;
    private final float[] scores;
    private final int scoredCount;

    private Reranking(int[] order, float[] scores, int scoredCount) {
        this.order = order;
        this.scores = scores;
        this.scoredCount = scoredCount;
    }

    /**
     * @param firstStage the hits' first-stage scores, best first
     * @param model      the model's scores of the first {@code model.size()} hits (some unscored after a timeout)
     * @param tieBreak   orders two reranked hits (by position) whose final scores are equal
     */
    public static Reranking of(float[] firstStage, PassageScores model, Combiner combine, IntBinaryOperator tieBreak) {
        int hits = firstStage.length;
        float[] scores = new float[hits];
        Integer[] reranked = new Integer[model.scoredCount()];
        int scoredCount = 0;
        for (int i = 0; i < model.size(); i++) {
            if (model.isScored(i)) {
                scores[i] = combine.combine(i, model.score(i));
                reranked[scoredCount++] = i;
            }
        }
        Arrays.sort(reranked, (a, b) -> {
            int byScore = Float.compare(scores[b], scores[a]);
            return byScore != 0 ? byScore : tieBreak.applyAsInt(a, b);
        });
        int[] order = new int[hits];
        for (int i = 0; i < scoredCount; i++) {
            order[i] = reranked[i];
        }
        int next = scoredCount;
        float shift = Float.NaN;
        for (int i = 0; i < hits; i++) {
            if (i < model.size() && model.isScored(i)) {
                continue;
            }
            if (Float.isNaN(shift)) {
                shift = scoredCount == 0 ? 0f : belowShift(scores[order[scoredCount - 1]], firstStage[i]);
            }
            scores[i] = firstStage[i] + shift;
            order[next++] = i;
        }
        return new Reranking(order, scores, scoredCount);
    }

    /**
     * The constant added to the first-stage scores of the hits below a reranked window so that they keep
     * their order and all rank after the lowest reranked score.
     */
    static float belowShift(float lowestReranked, float highestBelowWindow) {
        float shift = Math.nextDown(lowestReranked) - highestBelowWindow;
        // The subtraction rounds, and adding the shift back can round up to lowestReranked itself.
        while (highestBelowWindow + shift >= lowestReranked) {
            shift -= Math.max(Math.ulp(shift), Math.max(Math.ulp(lowestReranked), Math.ulp(highestBelowWindow)));
        }
        return shift;
    }

    /** How many hits the model scored (0: the order is the first stage's, the scores unchanged). */
    public int scoredCount() {
        return scoredCount;
    }

    /** The position, in the first-stage list, of the hit that goes to {@code rank}. */
    public int hitAt(int rank) {
        return order[rank];
    }

    /** The final score of the hit at first-stage position {@code hit}. */
    public float score(int hit) {
        return scores[hit];
    }
}
