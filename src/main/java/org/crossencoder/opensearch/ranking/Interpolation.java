/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.ranking;

import java.io.IOException;
import java.util.Arrays;
import java.util.Locale;
import org.apache.lucene.search.Explanation;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.common.io.stream.Writeable;

/**
 * {@code score_mode: interpolate}: {@code weight * norm(cross-encoder) + (1 - weight) * norm(first stage)}, both
 * normalized over the hits the model scored, so that the blend depends on the weight the user chose and not on
 * the scale of BM25 scores in this index for this query. Per shard for the rescore clause, over the merged
 * window for the response processor.
 */
public record Interpolation(Normalization normalization, float weight) implements Writeable {

    /** The weight measured best across SciFact, NFCorpus and the DL19 subset (docs/benchmarks/relevance.md). */
    public static final float DEFAULT_WEIGHT = 0.5f;

    public static final Interpolation DEFAULT = new Interpolation(Normalization.MIN_MAX, DEFAULT_WEIGHT);

    /** How a list of scores becomes comparable with another. */
    public enum Normalization {
        /** {@code (s - min) / (max - min)} over the window; 1 for every hit when all scores are equal. */
        MIN_MAX,
        /** {@code 1 / (60 + rank)}, rank 1 for the best score: reciprocal rank fusion's form, blind to score gaps. */
        RECIPROCAL_RANK;

        /** Reciprocal rank fusion's usual constant. */
        static final int RANK_CONSTANT = 60;

        public static Normalization fromString(String value) {
            return LowerCaseOptions.parse(Normalization.class, "normalization", value);
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The normalized values of {@code scores}, index by index. */
        float[] normalize(float[] scores) {
            float[] normalized = new float[scores.length];
            if (this == MIN_MAX) {
                float min = Float.POSITIVE_INFINITY;
                float max = Float.NEGATIVE_INFINITY;
                for (float score : scores) {
                    min = Math.min(min, score);
                    max = Math.max(max, score);
                }
                for (int i = 0; i < scores.length; i++) {
                    normalized[i] = max > min ? (scores[i] - min) / (max - min) : 1f;
                }
                return normalized;
            }
            Integer[] byScore = new Integer[scores.length];
            for (int i = 0; i < scores.length; i++) {
                byScore[i] = i;
            }
            // Equal scores keep their list order: the first-stage list is best first already.
            Arrays.sort(byScore, (a, b) -> Float.compare(scores[b], scores[a]));
            for (int rank = 0; rank < byScore.length; rank++) {
                normalized[byScore[rank]] = 1f / (RANK_CONSTANT + rank + 1);
            }
            return normalized;
        }
    }

    public Interpolation {
        if (normalization == null) {
            throw new IllegalArgumentException("[normalization] is required");
        }
        if ((weight >= 0f && weight <= 1f) == false) {
            throw new IllegalArgumentException("[weight] must be between 0 and 1 but was [" + weight + "]");
        }
    }

    public Interpolation(StreamInput in) throws IOException {
        this(Normalization.fromString(in.readString()), in.readFloat());
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        out.writeString(normalization.toString());
        out.writeFloat(weight);
    }

    /** The blend over one window: the hits {@code model} scored among the first of {@code firstStage}. */
    public Window over(float[] firstStage, PassageScores model) {
        int[] hits = new int[model.scoredCount()];
        float[] crossEncoder = new float[hits.length];
        float[] first = new float[hits.length];
        int n = 0;
        for (int hit = 0; hit < model.size(); hit++) {
            if (model.isScored(hit)) {
                hits[n] = hit;
                crossEncoder[n] = model.score(hit);
                first[n] = firstStage[hit];
                n++;
            }
        }
        return new Window(hits, normalization.normalize(crossEncoder), normalization.normalize(first));
    }

    /** The normalized scores of one window's hits and how they blend. */
    public final class Window {
        private final int[] slotOfHit;
        private final float[] crossEncoder;
        private final float[] firstStage;

        private Window(int[] hits, float[] crossEncoder, float[] firstStage) {
            int size = hits.length == 0 ? 0 : hits[hits.length - 1] + 1;
            this.slotOfHit = new int[size];
            Arrays.fill(slotOfHit, -1);
            for (int slot = 0; slot < hits.length; slot++) {
                slotOfHit[hits[slot]] = slot;
            }
            this.crossEncoder = crossEncoder;
            this.firstStage = firstStage;
        }

        /** The final score of the scored hit at first-stage position {@code hit}. */
        public float combine(int hit) {
            int slot = slot(hit);
            return weight * crossEncoder[slot] + (1 - weight) * firstStage[slot];
        }

        /** {@link #combine} with both scores, their normalized values and the weight. */
        public Explanation explain(int hit, Explanation first, Explanation model) {
            int slot = slot(hit);
            return Explanation.match(
                    combine(hit),
                    "weighted sum of " + normalization + " normalized scores over the reranked window, of:",
                    Explanation.match(
                            weight * crossEncoder[slot],
                            "weight [" + weight + "] times normalized cross-encoder score [" + crossEncoder[slot]
                                    + "] of:",
                            model),
                    Explanation.match(
                            (1 - weight) * firstStage[slot],
                            "1 - weight [" + (1 - weight) + "] times normalized first-stage score [" + firstStage[slot]
                                    + "] of:",
                            first));
        }

        private int slot(int hit) {
            int slot = hit < slotOfHit.length ? slotOfHit[hit] : -1;
            if (slot < 0) {
                throw new IllegalArgumentException("hit [" + hit + "] was not scored by the model");
            }
            return slot;
        }
    }
}
