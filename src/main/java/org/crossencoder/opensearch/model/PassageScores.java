/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.model;

import java.util.BitSet;

/**
 * The model's scores of one request's passages, in request order. A request stopped by its time limit carries
 * the scores it had; {@link #isScored(int)} tells which passages the model reached.
 */
public record PassageScores(float[] scores, BitSet scored, boolean timedOut) {

    /** Every passage scored. */
    public static PassageScores complete(float[] scores) {
        BitSet all = new BitSet(scores.length);
        all.set(0, scores.length);
        return new PassageScores(scores, all, false);
    }

    public int size() {
        return scores.length;
    }

    public boolean isScored(int passage) {
        return scored.get(passage);
    }

    public int scoredCount() {
        return scored.cardinality();
    }

    /** The score of a passage the model reached. */
    public float score(int passage) {
        if (isScored(passage) == false) {
            throw new IllegalStateException("passage [" + passage + "] was not scored before the request's time limit");
        }
        return scores[passage];
    }
}
