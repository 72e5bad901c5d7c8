/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.pipeline;

import java.util.Locale;
import org.crossencoder.opensearch.engine.InferenceBudget;
import org.crossencoder.opensearch.ranking.LowerCaseOptions;
import org.crossencoder.opensearch.ranking.PassageScores;
import org.crossencoder.opensearch.scoring.ScoringPlan;
import org.opensearch.action.search.SearchRequest;
import org.opensearch.core.action.ActionListener;
import org.opensearch.search.SearchHit;

/** Where {@code cross_encoder_rerank} has a response's hits scored: its {@code score_on} option. */
interface HitScoring {

    /** Scores the hits, in their order, with the plan's models within the budget. */
    void score(ScoringPlan plan, SearchHit[] hits, InferenceBudget budget, ActionListener<PassageScores> listener);

    /** Refuses, before any model work, a search this source cannot read the hits' text for. */
    void checkReadable(SearchRequest request);

    /** The {@code score_on} values. */
    enum On {
        COORDINATOR,
        DATA_NODES;

        static On fromString(String value) {
            return LowerCaseOptions.parse(On.class, "score_on", value);
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }
}
