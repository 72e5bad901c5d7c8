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

/** Where a plan's model work runs: this node's {@link Scorer}, or a node of the reranking tier ({@link TierScorer}). */
interface PairScorer {

    /** Scores the passages as {@link Scorer#score} describes. */
    void score(
            Ensemble ensemble,
            String query,
            List<String> passages,
            @Nullable PassageWindows.Resolved windows,
            @Nullable Scorer.ChunkedPassages chunks,
            InferenceBudget budget,
            ActionListener<PassageScores> listener);
}
