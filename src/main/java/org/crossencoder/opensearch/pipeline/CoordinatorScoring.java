/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.crossencoder.opensearch.engine.InferenceBudget;
import org.crossencoder.opensearch.ranking.Chunks;
import org.crossencoder.opensearch.ranking.PassageReader;
import org.crossencoder.opensearch.ranking.PassageScores;
import org.crossencoder.opensearch.scoring.ScoringPlan;
import org.opensearch.action.search.SearchRequest;
import org.opensearch.common.Nullable;
import org.opensearch.core.action.ActionListener;
import org.opensearch.search.SearchHit;
import org.opensearch.search.fetch.subphase.FetchSourceContext;

/** Scores a response's hits on the coordinating node, reading their text from each hit's {@code _source}. */
final class CoordinatorScoring implements HitScoring {

    private final List<String> fields;
    private final PassageReader passages;

    @Nullable
    private final Chunks chunks;

    CoordinatorScoring(List<String> fields, @Nullable Chunks chunks) {
        this.fields = fields;
        this.passages = PassageReader.ofSourceFields(fields);
        this.chunks = chunks;
    }

    @Override
    public void score(
            ScoringPlan plan, SearchHit[] hits, InferenceBudget budget, ActionListener<PassageScores> listener) {
        plan.scoreRead(passages(hits), budget, listener);
    }

    @Override
    public void checkReadable(SearchRequest request) {
        FetchSourceContext fetchSource =
                request.source() == null ? null : request.source().fetchSource();
        if (fetchSource != null
                && (fetchSource.fetchSource() == false
                        || fetchSource.includes().length > 0
                        || fetchSource.excludes().length > 0)) {
            throw new IllegalArgumentException("["
                    + CrossEncoderRerankResponseProcessor.TYPE
                    + "] reads "
                    + fields
                    + " from each hit's _source, which this request filters: drop the _source filter, or set [score_on] "
                    + "[data_nodes], which reads _source on the shards whatever the response shows");
        }
    }

    /** The fields of each hit, from its {@code _source} in the response. */
    private List<PassageReader.Passage> passages(SearchHit[] hits) {
        List<PassageReader.Passage> read = new ArrayList<>(hits.length);
        for (SearchHit hit : hits) {
            Map<String, Object> source = hit.getSourceAsMap();
            if (source == null) {
                throw new IllegalArgumentException("[" + CrossEncoderRerankResponseProcessor.TYPE + "] reads " + fields
                        + " from _source, and hit [" + hit.getId() + "] of [" + hit.getIndex() + "] has none");
            }
            read.add(
                    chunks != null && chunks.innerHits() != null
                            ? InnerHitChunks.read(hit, source, chunks)
                            : passages.read(source));
        }
        return read;
    }
}
