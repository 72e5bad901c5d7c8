/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.ranking;

import java.io.IOException;
import java.util.BitSet;
import java.util.List;
import org.opensearch.common.Nullable;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.common.io.stream.Writeable;

/**
 * The scores of one request's passages, in request order. A request stopped by its time limit carries
 * the scores it had; {@link #isScored(int)} tells which passages the model reached. Passages read in
 * {@link PassageWindows} also carry their windows' scores.
 *
 * @param members when an ensemble transformed or averaged the models' logits: each model's own scores, in
 *     the ensemble's order, for {@code explain}; null when the scores are one model's logits
 */
public record PassageScores(
        float[] scores,
        BitSet scored,
        boolean timedOut,
        @Nullable PassageWindowScores[] windows,
        @Nullable PassageScores[] members)
        implements Writeable {

    public PassageScores(float[] scores, BitSet scored, boolean timedOut) {
        this(scores, scored, timedOut, null, null);
    }

    public PassageScores(float[] scores, BitSet scored, boolean timedOut, PassageWindowScores[] windows) {
        this(scores, scored, timedOut, windows, null);
    }

    /** Every passage scored. */
    public static PassageScores complete(float[] scores) {
        BitSet all = new BitSet(scores.length);
        all.set(0, scores.length);
        return new PassageScores(scores, all, false);
    }

    /** The answer of a request whose time ran out before any passage was scored. */
    public static PassageScores noneInTime(int size) {
        return new PassageScores(new float[size], new BitSet(size), true);
    }

    public PassageScores(StreamInput in) throws IOException {
        this(
                in.readFloatArray(),
                BitSet.valueOf(in.readLongArray()),
                in.readBoolean(),
                in.readBoolean()
                        ? in.readArray(
                                i -> i.readOptionalWriteable(PassageWindowScores::new), PassageWindowScores[]::new)
                        : null,
                in.readBoolean() ? in.readArray(PassageScores::new, PassageScores[]::new) : null);
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
        out.writeBoolean(members != null);
        if (members != null) {
            out.writeArray((o, member) -> member.writeTo(o), members);
        }
    }

    /** The same scores with other windows (of the same passages). */
    public PassageScores withWindows(PassageWindowScores[] newWindows) {
        return new PassageScores(scores, scored, timedOut, newWindows, members);
    }

    /**
     * The scores of {@code size} passages from parts that each scored some of them ({@code positions.get(i)[j]} is
     * where passage {@code j} of {@code parts.get(i)} goes), with their windows and members.
     */
    public static PassageScores gather(int size, List<PassageScores> parts, List<int[]> positions) {
        float[] scores = new float[size];
        BitSet scored = new BitSet(size);
        boolean timedOut = false;
        boolean withWindows = false;
        PassageWindowScores[] windows = new PassageWindowScores[size];
        for (int i = 0; i < parts.size(); i++) {
            PassageScores part = parts.get(i);
            timedOut |= part.timedOut();
            withWindows |= part.windows() != null;
            for (int j = 0; j < positions.get(i).length; j++) {
                if (part.isScored(j)) {
                    scores[positions.get(i)[j]] = part.score(j);
                    scored.set(positions.get(i)[j]);
                    windows[positions.get(i)[j]] = part.windows(j);
                }
            }
        }
        PassageScores[] members = null;
        if (parts.isEmpty() == false && parts.get(0).members() != null) {
            members = new PassageScores[parts.get(0).members().length];
            for (int m = 0; m < members.length; m++) {
                int member = m;
                members[m] = gather(
                        size, parts.stream().map(p -> p.members()[member]).toList(), positions);
            }
        }
        return new PassageScores(scores, scored, timedOut, withWindows ? windows : null, members);
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
