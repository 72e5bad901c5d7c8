/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.engine;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.crossencoder.opensearch.ranking.PassageScores;
import org.crossencoder.opensearch.ranking.PassageWindowScores;
import org.crossencoder.opensearch.ranking.PassageWindows;

/**
 * Cuts one request's passages into their {@link PassageWindows} (tokenizing each whole, so in steps the
 * {@link InferenceScheduler} interleaves with other requests), and then combines the windows' scores into the
 * passages'.
 */
public final class PassageSplitting implements InferenceScheduler.Work<PassageSplitting> {

    /** Passages tokenized whole per step: a long document takes about a millisecond. */
    static final int SPLIT_CHUNK = 16;

    private final CrossEncoderModel model;
    private final List<String> passages;
    private final PassageWindows.Resolved options;
    /** Per passage, its windows' {@code [start, end)} character ranges. */
    private final int[][] bounds;

    private int split;
    private boolean timedOut;

    public PassageSplitting(CrossEncoderModel model, List<String> passages, PassageWindows.Resolved options) {
        this.model = model;
        this.passages = passages;
        this.options = options;
        this.bounds = new int[passages.size()][];
    }

    @Override
    public boolean hasNextStep() {
        return split < bounds.length;
    }

    @Override
    public void step() {
        int end = Math.min(bounds.length, split + SPLIT_CHUNK);
        for (int i = split; i < end; i++) {
            bounds[i] = model.windows(passages.get(i), options);
        }
        split = end;
    }

    @Override
    public PassageSplitting result(boolean timedOut) {
        this.timedOut = timedOut;
        return this;
    }

    /** The text of every window of the passages split before the time limit, passage after passage. */
    public List<String> windowTexts() {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < split; i++) {
            for (int w = 0; w < bounds[i].length; w += 2) {
                texts.add(passages.get(i).substring(bounds[i][w], bounds[i][w + 1]));
            }
        }
        return texts;
    }

    /**
     * The passages' scores from their windows' ({@code windowScores}, in {@link #windowTexts()} order): a passage is
     * scored when all its windows are.
     */
    public PassageScores combine(PassageScores windowScores) {
        float[] scores = new float[bounds.length];
        BitSet scored = new BitSet(bounds.length);
        PassageWindowScores[] windows = new PassageWindowScores[bounds.length];
        int next = 0;
        for (int i = 0; i < split; i++) {
            int count = bounds[i].length / 2;
            int[] starts = new int[count];
            int[] ends = new int[count];
            float[] windowScore = new float[count];
            boolean complete = true;
            for (int w = 0; w < count; w++, next++) {
                starts[w] = bounds[i][2 * w];
                ends[w] = bounds[i][2 * w + 1];
                complete &= windowScores.isScored(next);
                windowScore[w] = windowScores.scores()[next];
            }
            if (complete) {
                scores[i] = options.combine().combine(windowScore);
                scored.set(i);
                int best = PassageWindows.best(windowScore);
                windows[i] = new PassageWindowScores(
                        starts, ends, windowScore, passages.get(i).substring(starts[best], ends[best]));
            }
        }
        return new PassageScores(scores, scored, timedOut || windowScores.timedOut(), windows);
    }
}
