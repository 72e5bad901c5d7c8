/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.model;

import java.io.IOException;
import java.util.BitSet;
import org.opensearch.common.Nullable;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.common.io.stream.Writeable;

/**
 * The model's scores of one request's passages, in request order. A request stopped by its time limit carries
 * the scores it had; {@link #isScored(int)} tells which passages the model reached. Passages read in
 * {@link PassageWindows} also carry their windows' scores.
 */
public record PassageScores(
        float[] scores,
        BitSet scored,
        boolean timedOut,
        @Nullable PassageWindowScores[] windows) implements Writeable {

    public PassageScores(float[] scores, BitSet scored, boolean timedOut) {
        this(scores, scored, timedOut, null);
    }

    /** Every passage scored. */
    public static PassageScores complete(float[] scores) {
        BitSet all = new BitSet(scores.length);
        all.set(0, scores.length);
        return new PassageScores(scores, all, false);
    }

    public PassageScores(StreamInput in) throws IOException {
        this(
                in.readFloatArray(),
                BitSet.valueOf(in.readLongArray()),
                in.readBoolean(),
                in.readBoolean()
                        ? in.readArray(
                                i -> i.readOptionalWriteable(PassageWindowScores::new), PassageWindowScores[]::new)
                        : null);
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        out.writeFloatArray(scores);
        out.writeLongArray(scored.toLongArray());
        out.writeBoolean(timedOut);
        out.writeBoolean(windows != null);
        if (windows != null) {
            out.writeArray(StreamOutput::writeOptionalWriteable, windows);
        }
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

    /** The windows of a scored passage, when the request read passages in windows; else null. */
    @Nullable
    public PassageWindowScores windows(int passage) {
        return windows == null || isScored(passage) == false ? null : windows[passage];
    }
}
