/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.rescore;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.lucene.search.IndexSearcher;
import org.crossencoder.opensearch.engine.InferenceBudget;
import org.opensearch.common.Nullable;
import org.opensearch.common.unit.TimeValue;
import org.opensearch.index.shard.SearchOperationListener;
import org.opensearch.search.SearchService;
import org.opensearch.search.internal.SearchContext;
import org.opensearch.search.query.QueryPhaseExecutionException;

/**
 * The shard searches in their query or fetch phase, by searcher. OpenSearch hands a rescorer only the searcher;
 * this listener remembers which search it belongs to, so the rescorer can honour that search's task
 * cancellation and {@code timeout} as the query phase itself does.
 */
public final class ShardSearches implements SearchOperationListener {

    private final Map<IndexSearcher, ShardSearch> active = new ConcurrentHashMap<>();

    /** One shard search: its context and what it may still spend on the model. */
    public record ShardSearch(SearchContext context, InferenceBudget budget) {

        /**
         * Marks the shard's result as timed out, as the query phase does when its own time runs out; a request
         * that does not allow partial results fails instead.
         */
        void onTimedOut() {
            if (context.request() != null && context.request().allowPartialSearchResults() == false) {
                throw new QueryPhaseExecutionException(context.shardTarget(), "Time exceeded");
            }
            context.queryResult().searchTimedOut(true);
        }
    }

    /** The search a searcher serves now, or null outside a query or fetch phase (e.g. inside another plugin's code). */
    @Nullable
    ShardSearch of(IndexSearcher searcher) {
        return active.get(searcher);
    }

    @Override
    public void onPreQueryPhase(SearchContext context) {
        // The query phase counts its timeout from its own start, a moment before this; scroll searches have none.
        TimeValue timeout =
                context.scrollContext() == null && SearchService.NO_TIMEOUT.equals(context.timeout()) == false
                        ? context.timeout()
                        : null;
        active.put(
                context.searcher(),
                new ShardSearch(context, InferenceBudget.of(context.getTask(), timeout, System.nanoTime())));
    }

    @Override
    public void onQueryPhase(SearchContext context, long tookInNanos) {
        active.remove(context.searcher());
    }

    @Override
    public void onFailedQueryPhase(SearchContext context) {
        active.remove(context.searcher());
    }

    /** The fetch phase (where {@code explain} scores a hit) has no timeout of its own, only cancellation. */
    @Override
    public void onPreFetchPhase(SearchContext context) {
        active.put(context.searcher(), new ShardSearch(context, InferenceBudget.of(context.getTask(), null, 0)));
    }

    @Override
    public void onFetchPhase(SearchContext context, long tookInNanos) {
        active.remove(context.searcher());
    }

    @Override
    public void onFailedFetchPhase(SearchContext context) {
        active.remove(context.searcher());
    }
}
