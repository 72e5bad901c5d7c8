/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.scoring;

import java.util.List;
import org.crossencoder.opensearch.engine.InferenceBudget;
import org.crossencoder.opensearch.ranking.PassageScores;
import org.crossencoder.opensearch.ranking.PassageWindows;
import org.opensearch.action.support.PlainActionFuture;
import org.opensearch.common.Nullable;
import org.opensearch.core.action.ActionListener;

/**
 * A request to score, planned: its models resolved (and pinned to the versions its coordinating node chose), its limits
 * checked, how it reads passages decided. Scores through the score cache, the scheduler and the node's statistics.
 */
public final class ScoringPlan {

    private final Scorer scorer;
    private final Ensemble ensemble;
    private final String queryText;

    @Nullable
    private final PassageWindows.Resolved windows;

    ScoringPlan(Scorer scorer, Ensemble ensemble, String queryText, @Nullable PassageWindows.Resolved windows) {
        this.scorer = scorer;
        this.ensemble = ensemble;
        this.queryText = queryText;
        this.windows = windows;
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

    /** Scores the passages within the budget: the listener gets every score, or those reached before its deadline. */
    public void score(List<String> passages, InferenceBudget budget, ActionListener<PassageScores> listener) {
        scorer.score(ensemble, queryText, passages, windows, budget, listener);
    }

    /** As {@link #score}, waiting for the result: for the rescorer, which OpenSearch runs on a search thread. */
    public PassageScores scoreAndWait(List<String> passages, InferenceBudget budget) {
        PlainActionFuture<PassageScores> future = PlainActionFuture.newFuture();
        score(passages, budget, future);
        return future.actionGet();
    }
}
