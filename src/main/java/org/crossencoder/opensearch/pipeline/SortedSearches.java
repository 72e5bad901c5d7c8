/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.pipeline;

import java.util.List;
import org.opensearch.action.search.SearchRequest;
import org.opensearch.common.Nullable;
import org.opensearch.search.sort.ScoreSortBuilder;
import org.opensearch.search.sort.SortBuilder;
import org.opensearch.search.sort.SortOrder;

/**
 * Searches that ask for an order of their own. A search sorted by a field (also one paging with {@code search_after})
 * keeps that order through the pipelines: reranking would leave its hits out of order with their {@code sort} values
 * and make {@code search_after} skip or repeat hits. A sort on {@code _score} alone, best first, is the default order
 * and is reranked as usual, as OpenSearch itself lets such a search carry a {@code rescore}.
 */
final class SortedSearches {

    private SortedSearches() {}

    /** What the search sorts by (for messages), or null when it is ordered by relevance. */
    @Nullable
    static String sortedBy(SearchRequest request) {
        List<SortBuilder<?>> sorts =
                request.source() == null ? null : request.source().sorts();
        if (sorts == null || sorts.isEmpty()) {
            return null;
        }
        if (sorts.size() == 1 && sorts.get(0) instanceof ScoreSortBuilder score && score.order() == SortOrder.DESC) {
            return null;
        }
        return sorts.toString().replaceAll("\\s+", "");
    }

    /** What a pipeline says, in a warning or the response, when it leaves a sorted search as it is. */
    static String keptOrder(String processor, String sortedBy) {
        return "[" + processor + "] did not rerank: the search sorts by " + sortedBy
                + ", and a sorted page keeps the order it asked for (sort by relevance to rerank)";
    }
}
