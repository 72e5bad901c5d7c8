/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import org.crossencoder.opensearch.ranking.PassageScores;
import org.crossencoder.opensearch.ranking.PassageWindowScores;
import org.crossencoder.opensearch.ranking.PassageWindows;
import org.opensearch.common.Nullable;

/**
 * Cuts one request's passages into the parts the model reads: their {@link PassageWindows} (tokenizing each whole, so
 * in steps the {@link InferenceScheduler} interleaves with other requests), or their chunks where the documents split
 * themselves ({@code chunks}: each chunk a part, or read in windows when those are on too); then combines the parts'
 * scores into the passages'.
 */
public final class PassageSplitting implements InferenceScheduler.Work<PassageSplitting> {

    /** Passages tokenized whole per step: a long document takes about a millisecond. */
    static final int SPLIT_CHUNK = 16;

    private final CrossEncoderModel model;
    private final List<String> passages;

    @Nullable
    private final PassageWindows.Resolved windows;
    /** Per passage, its chunks' {@code [start, end)} character ranges; null when passages are not chunked. */
    @Nullable
    private final int[][] chunks;

    @Nullable
    private final PassageWindows.Combine chunkCombine;
    /** Per passage, its windows' {@code [start, end)} character ranges (a chunk's own range when it is not windowed). */
    private final int[][] bounds;
    /** Per passage and chunk, how many of its windows the chunk has (they follow each other); null without chunks. */
    private final int[][] windowsPerChunk;

    private int split;
    private boolean timedOut;

    public PassageSplitting(CrossEncoderModel model, List<String> passages, PassageWindows.Resolved options) {
        this(model, passages, options, null, null);
    }

    /**
     * With {@code chunks} (per passage, its chunks' ranges; none reads the passage as one chunk), each chunk is scored
     * (in {@code windows}, when not null) and the chunks' scores make the passage's by {@code chunkCombine}.
     */
    public PassageSplitting(
            CrossEncoderModel model,
            List<String> passages,
            @Nullable PassageWindows.Resolved windows,
            @Nullable int[][] chunks,
            @Nullable PassageWindows.Combine chunkCombine) {
        if (windows == null && chunks == null) {
            throw new IllegalArgumentException("nothing to split: neither windows nor chunks");
        }
        this.model = model;
        this.passages = passages;
        this.windows = windows;
        this.chunks = chunks == null ? null : new int[passages.size()][];
        this.chunkCombine = chunkCombine;
        this.bounds = new int[passages.size()][];
        this.windowsPerChunk = chunks == null ? null : new int[passages.size()][];
        if (chunks != null) {
            for (int i = 0; i < chunks.length; i++) {
                // A document without chunks is read as one empty chunk, as a passage without text is read empty.
                this.chunks[i] =
                        chunks[i].length == 0 ? new int[] {0, passages.get(i).length()} : chunks[i];
            }
        }
    }

    @Override
    public boolean hasNextStep() {
        return split < bounds.length;
    }

    @Override
    public void step() {
        int end = Math.min(bounds.length, split + SPLIT_CHUNK);
        for (int i = split; i < end; i++) {
            bounds[i] = chunks == null ? model.windows(passages.get(i), windows) : splitChunks(i);
        }
        split = end;
    }

    /** The windows of passage {@code i}'s chunks, chunk after chunk; a chunk is one window when windows are off. */
    private int[] splitChunks(int i) {
        int count = chunks[i].length / 2;
        windowsPerChunk[i] = new int[count];
        if (windows == null) {
            Arrays.fill(windowsPerChunk[i], 1);
            return chunks[i];
        }
        List<int[]> perChunk = new ArrayList<>(count);
        int total = 0;
        for (int c = 0; c < count; c++) {
            int start = chunks[i][2 * c];
            int[] inChunk = model.windows(passages.get(i).substring(start, chunks[i][2 * c + 1]), windows);
            for (int w = 0; w < inChunk.length; w++) {
                inChunk[w] += start;
            }
            perChunk.add(inChunk);
            windowsPerChunk[i][c] = inChunk.length / 2;
            total += inChunk.length;
        }
        int[] all = new int[total];
        int at = 0;
        for (int[] inChunk : perChunk) {
            System.arraycopy(inChunk, 0, all, at, inChunk.length);
            at += inChunk.length;
        }
        return all;
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
     * scored when all its windows are. Chunked passages report their chunks in place of windows.
     */
    public PassageScores combine(PassageScores windowScores) {
        float[] scores = new float[bounds.length];
        BitSet scored = new BitSet(bounds.length);
        PassageWindowScores[] parts = new PassageWindowScores[bounds.length];
        int next = 0;
        for (int i = 0; i < split; i++) {
            int count = bounds[i].length / 2;
            float[] windowScore = new float[count];
            boolean complete = true;
            for (int w = 0; w < count; w++, next++) {
                complete &= windowScores.isScored(next);
                windowScore[w] = windowScores.scores()[next];
            }
            if (complete) {
                parts[i] = chunks == null
                        ? scored(i, bounds[i], windowScore)
                        : scored(i, chunks[i], chunkScores(i, windowScore));
                scores[i] = (chunks == null ? windows.combine() : chunkCombine).combine(parts[i].scores());
                scored.set(i);
            }
        }
        return new PassageScores(scores, scored, timedOut || windowScores.timedOut(), parts);
    }

    /** Each chunk's score: its one window's, or its windows' combined as {@code passage_windows} says. */
    private float[] chunkScores(int i, float[] windowScore) {
        float[] chunkScore = new float[windowsPerChunk[i].length];
        int from = 0;
        for (int c = 0; c < chunkScore.length; c++) {
            int to = from + windowsPerChunk[i][c];
            chunkScore[c] = windows == null
                    ? windowScore[from]
                    : windows.combine().combine(Arrays.copyOfRange(windowScore, from, to));
            from = to;
        }
        return chunkScore;
    }

    /** The parts of passage {@code i} (ranges {@code range}) with their scores, and the text of the best. */
    private PassageWindowScores scored(int i, int[] range, float[] partScores) {
        int count = range.length / 2;
        int[] starts = new int[count];
        int[] ends = new int[count];
        for (int p = 0; p < count; p++) {
            starts[p] = range[2 * p];
            ends[p] = range[2 * p + 1];
        }
        int best = PassageWindows.best(partScores);
        return new PassageWindowScores(starts, ends, partScores, passages.get(i).substring(starts[best], ends[best]));
    }
}
