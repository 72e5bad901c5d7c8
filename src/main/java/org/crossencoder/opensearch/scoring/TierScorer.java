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
import org.opensearch.common.Nullable;
import org.opensearch.core.action.ActionListener;

/**
 * Sends a plan's model work to the reranking tier, pinned to the model versions this node resolved, so that every
 * part of one request ranks with the same files wherever it runs; scores here when the tier lets it fall back.
 */
final class TierScorer implements PairScorer {

    private final ModelTier tier;
    private final Scorer here;
    private final ModelResolver models;

    TierScorer(ModelTier tier, Scorer here, ModelResolver models) {
        this.tier = tier;
        this.here = here;
        this.models = models;
    }

    @Override
    public void score(
            Ensemble ensemble,
            String query,
            List<String> passages,
            @Nullable PassageWindows.Resolved windows,
            @Nullable Scorer.ChunkedPassages chunks,
            InferenceBudget budget,
            ActionListener<PassageScores> listener) {
        ScoringWork work = new ScoringWork(
                models.pin(ensemble.selection()), models.registry().nodeName(), query, passages, windows, chunks);
        tier.score(
                work,
                budget,
                listener,
                (part, locally) -> here.score(ensemble, query, part.texts(), windows, part.chunks(), budget, locally));
    }
}
