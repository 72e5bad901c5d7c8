/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.scoring;

import java.util.List;
import org.crossencoder.opensearch.engine.InferenceBudget;
import org.crossencoder.opensearch.ranking.Chunks;
import org.crossencoder.opensearch.ranking.PassageReader;
import org.crossencoder.opensearch.ranking.PassageScores;
import org.crossencoder.opensearch.ranking.PassageWindows;
import org.opensearch.action.support.PlainActionFuture;
import org.opensearch.common.Nullable;
import org.opensearch.core.action.ActionListener;

/**
 * A request to score, planned: its models resolved (and pinned to the versions its coordinating node chose), its limits
 * checked, how it reads passages decided, where it runs decided (this node, or the reranking tier). Scores through the
 * score cache, the scheduler and the statistics of the node that runs it.
 */
public final class ScoringPlan {

    private final PairScorer scorer;
    private final Ensemble ensemble;
    private final String queryText;

    @Nullable
    private final PassageWindows.Resolved windows;

    @Nullable
    private final Chunks chunks;

    ScoringPlan(
            PairScorer scorer,
            Ensemble ensemble,
            String queryText,
            @Nullable PassageWindows.Resolved windows,
            @Nullable Chunks chunks) {
        this.scorer = scorer;
        this.ensemble = ensemble;
        this.queryText = queryText;
        this.windows = windows;
        this.chunks = chunks;
    }

    public Ensemble ensemble() {
        return ensemble;
    }

    public String queryText() {
        return queryText;
    }

    /** The windows passages are read in; null when each is read whole. */
    @Nullable
    public PassageWindows.Resolved windows() {
        return windows;
    }

    /** How documents split into chunks are read; null when each document is one passage. */
    @Nullable
    public Chunks chunks() {
        return chunks;
    }

    /** Whether hits show their best chunk (unless the request says not to), or their best window when asked. */
    public boolean returnsBest() {
        return chunks != null ? chunks.returnBestOrDefault() : windows != null && windows.returnBest();
    }

    /**
     * Scores the passages within the budget: the listener gets every score, or those reached before its deadline. Each
     * text is one passage (in windows when the plan has them), or a document of one chunk when the plan has chunks.
     */
    public void score(List<String> passages, InferenceBudget budget, ActionListener<PassageScores> listener) {
        if (chunks == null) {
            scorer.score(ensemble, queryText, passages, windows, null, budget, listener);
        } else {
            scoreRead(passages.stream().map(PassageReader.Passage::of).toList(), budget, listener);
        }
    }

    /**
     * Scores passages read from documents: with chunks, each value of the chunk field (the passage's segments) is a
     * chunk, the first {@code max_chunks} scored, and the scores' windows are the chunks; else each best window is
     * located in the fields it comes from.
     */
    public void scoreRead(
            List<PassageReader.Passage> passages, InferenceBudget budget, ActionListener<PassageScores> listener) {
        List<String> texts = passages.stream().map(PassageReader.Passage::text).toList();
        if (chunks == null) {
            scorer.score(
                    ensemble,
                    queryText,
                    texts,
                    windows,
                    null,
                    budget,
                    ActionListener.map(listener, scores -> PassageReader.locateBestWindows(scores, passages)));
            return;
        }
        int[][] bounds = passages.stream()
                .map(passage -> passage.chunkBounds(chunks.maxChunksOrDefault()))
                .toArray(int[][]::new);
        scorer.score(
                ensemble,
                queryText,
                texts,
                windows,
                new Scorer.ChunkedPassages(bounds, chunks.combineOrDefault()),
                budget,
                listener);
    }

    /** As {@link #score}, waiting for the result: for the rescorer, which OpenSearch runs on a search thread. */
    public PassageScores scoreAndWait(List<String> passages, InferenceBudget budget) {
        PlainActionFuture<PassageScores> future = PlainActionFuture.newFuture();
        score(passages, budget, future);
        return future.actionGet();
    }

    /** As {@link #scoreRead}, waiting for the result. */
    public PassageScores scoreReadAndWait(List<PassageReader.Passage> passages, InferenceBudget budget) {
        PlainActionFuture<PassageScores> future = PlainActionFuture.newFuture();
        scoreRead(passages, budget, future);
        return future.actionGet();
    }
}
