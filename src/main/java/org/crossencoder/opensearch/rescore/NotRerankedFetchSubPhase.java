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
import org.crossencoder.opensearch.scoring.FailureKind;
import org.opensearch.common.document.DocumentField;
import org.opensearch.search.fetch.FetchContext;
import org.opensearch.search.fetch.FetchSubPhase;
import org.opensearch.search.fetch.FetchSubPhaseProcessor;

/**
 * Marks the hits of a shard whose {@code cross_encoder} rescore failed and kept its first-stage order
 * ({@code allow_reranker_failures}). A shard has no other way to tell the client: a warning header is only kept from the
 * shard whose answer the coordinating node happens to handle last. So the query phase leaves the reason in the shard's
 * reader context, this puts it in each hit's {@code fields}, and the coordinating node turns the marks into one
 * {@code ext} section of the response and takes them off the hits again.
 */
public final class NotRerankedFetchSubPhase implements FetchSubPhase {

    /** The hit field the coordinating node looks for, and removes. */
    public static final String FIELD = "_cross_encoder_not_reranked";

    private static final String CONTEXT_KEY = "cross_encoder.not_reranked";

    private final ShardSearches searches;

    public NotRerankedFetchSubPhase(ShardSearches searches) {
        this.searches = searches;
    }

    /** Why this shard's rescore kept the first stage's order. */
    record Reason(FailureKind kind, String message) {}

    /** Leaves the reason with the shard's search, for its fetch phase (which may be a request of its own). */
    static void remember(ShardSearches.ShardSearch search, FailureKind kind, String message) {
        if (search != null && search.context().readerContext() != null) {
            search.context().readerContext().putInContext(CONTEXT_KEY, new Reason(kind, message));
        }
    }

    @Override
    public FetchSubPhaseProcessor getProcessor(FetchContext fetchContext) {
        ShardSearches.ShardSearch search = searches.of(fetchContext.searcher());
        if (search == null || search.context().readerContext() == null) {
            return null;
        }
        Reason reason = search.context().readerContext().getFromContext(CONTEXT_KEY);
        if (reason == null) {
            return null;
        }
        DocumentField field =
                new DocumentField(FIELD, List.of(Map.of("kind", reason.kind().toString(), "reason", reason.message())));
        return new FetchSubPhaseProcessor() {
            @Override
            public void setNextReader(LeafReaderContext readerContext) {}

            @Override
            public void process(HitContext hitContext) {
                hitContext.hit().setDocumentField(FIELD, field);
            }
        };
    }
}
