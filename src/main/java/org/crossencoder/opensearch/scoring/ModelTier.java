/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.scoring;

import java.util.function.BiConsumer;
import org.crossencoder.opensearch.engine.InferenceBudget;
import org.crossencoder.opensearch.ranking.PassageScores;
import org.opensearch.core.action.ActionListener;

/** The reranking tier as the node sees it: the nodes its model work goes to, when the tier setting sends it there. */
public interface ModelTier {

    /**
     * Whether this node's model work goes to the tier now, as the tier setting and the cluster's nodes decide; a 503
     * when it must ({@code tier}) and no node of the tier is in the cluster.
     */
    boolean takesWork();

    /** Whether this node is a node of the tier: it then scores its own work, and other nodes'. */
    boolean isMember();

    /**
     * Scores the work on the tier: split over its nodes when it is large enough, each part on the least loaded node,
     * on another one when a node leaves or refuses it within the budget. When no node of the tier can take a part,
     * {@code here} scores that part on this node if the setting allows ({@code auto}), else the listener gets a 503.
     */
    void score(
            ScoringWork work,
            InferenceBudget budget,
            ActionListener<PassageScores> listener,
            BiConsumer<ScoringWork, ActionListener<PassageScores>> here);
}
