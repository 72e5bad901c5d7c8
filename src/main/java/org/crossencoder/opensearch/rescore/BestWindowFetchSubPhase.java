/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.rescore;

import java.util.List;
import java.util.Map;
import org.apache.lucene.index.LeafReaderContext;
import org.crossencoder.opensearch.ranking.PassageWindowScores;
import org.opensearch.common.document.DocumentField;
import org.opensearch.search.SearchHit;
import org.opensearch.search.fetch.FetchContext;
import org.opensearch.search.fetch.FetchSubPhase;
import org.opensearch.search.fetch.FetchSubPhaseProcessor;

/**
 * Puts each reranked hit's best window in its {@code fields} when the {@code cross_encoder} rescore asked for it
 * ({@code passage_windows.return_best}), or its best chunk when it read documents chunk by chunk ({@code chunks}). The rescorer runs in the query phase; it leaves the windows in the shard's
 * reader context, which the fetch phase of the same search shares even when it is a request of its own.
 */
public final class BestWindowFetchSubPhase implements FetchSubPhase {

    /** Where a hit shows its best window, beside the fields a request asks for. */
    public static final String FIELD = "_cross_encoder_best_window";

    /** Where a hit shows its best chunk, when its document was read chunk by chunk ({@code chunks}). */
    public static final String CHUNK_FIELD = "_cross_encoder_best_chunk";

    static final String CONTEXT_KEY = "cross_encoder.best_windows";

    private final ShardSearches searches;

    public BestWindowFetchSubPhase(ShardSearches searches) {
        this.searches = searches;
    }

    @Override
    public FetchSubPhaseProcessor getProcessor(FetchContext fetchContext) {
        boolean asked = fetchContext.rescore().stream()
                .anyMatch(rescore -> rescore instanceof CrossEncoderRescoreContext context && context.returnsBest());
        ShardSearches.ShardSearch search = searches.of(fetchContext.searcher());
        if (asked == false || search == null || search.context().readerContext() == null) {
            return null;
        }
        Map<Integer, PassageWindowScores> best =
                search.context().readerContext().getFromContext(CONTEXT_KEY);
        if (best == null || best.isEmpty()) {
            return null;
        }
        boolean chunked = fetchContext.rescore().stream()
                .anyMatch(rescore -> rescore instanceof CrossEncoderRescoreContext context && context.chunks() != null);
        return new FetchSubPhaseProcessor() {
            @Override
            public void setNextReader(LeafReaderContext readerContext) {}

            @Override
            public void process(HitContext hitContext) {
                PassageWindowScores windows = best.get(hitContext.hit().docId());
                if (windows != null) {
                    show(hitContext.hit(), windows, chunked);
                }
            }
        };
    }

    /** Shows a hit's best window in its {@code fields}, or its best chunk when {@code chunked}. */
    public static void show(SearchHit hit, PassageWindowScores windows, boolean chunked) {
        if (chunked) {
            hit.setDocumentField(CHUNK_FIELD, new DocumentField(CHUNK_FIELD, List.of(windows.bestChunkAsMap())));
        } else {
            hit.setDocumentField(FIELD, new DocumentField(FIELD, List.of(windows.bestAsMap())));
        }
    }
}
