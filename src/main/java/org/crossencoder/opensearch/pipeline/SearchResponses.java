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
import org.crossencoder.opensearch.rescore.NotRerankedFetchSubPhase;
import org.opensearch.action.search.SearchResponse;
import org.opensearch.action.search.SearchResponseSections;
import org.opensearch.common.Nullable;
import org.opensearch.common.document.DocumentField;
import org.opensearch.search.SearchExtBuilder;
import org.opensearch.search.SearchHit;
import org.opensearch.search.SearchHits;
import org.opensearch.search.profile.SearchProfileShardResults;

/** A search response rebuilt with other hits or an {@code ext} note, every other part of it kept as it was. */
final class SearchResponses {

    private SearchResponses() {}

    /**
     * The response with these hits, its time including ours since {@code startNanos}, and with {@code note} (when not
     * null) in its {@code ext}.
     */
    static SearchResponse withHits(
            SearchResponse response,
            SearchHit[] hits,
            float maxScore,
            boolean timedOut,
            long startNanos,
            @Nullable NotRerankedExt note) {
        SearchHits old = response.getHits();
        SearchResponseSections oldSections = response.getInternalResponse();
        SearchResponseSections sections = new SearchResponseSections(
                new SearchHits(
                        hits,
                        old.getTotalHits(),
                        maxScore,
                        old.getSortFields(),
                        old.getCollapseField(),
                        old.getCollapseValues()),
                response.getAggregations(),
                response.getSuggest(),
                response.isTimedOut() || timedOut,
                response.isTerminatedEarly(),
                // An empty map means the search had no profile; a SearchProfileShardResults would render an empty one.
                response.getProfileResults().isEmpty()
                        ? null
                        : new SearchProfileShardResults(response.getProfileResults()),
                response.getNumReducePhases(),
                withNote(oldSections.getSearchExtBuilders(), note),
                oldSections.getProcessorResult());
        return new SearchResponse(
                sections,
                response.getScrollId(),
                response.getTotalShards(),
                response.getSuccessfulShards(),
                response.getSkippedShards(),
                // The time a user sees includes the reranking, as it would for any phase of the search.
                response.getTook().millis() + (System.nanoTime() - startNanos) / 1_000_000,
                response.getPhaseTook(),
                response.getShardFailures(),
                response.getClusters(),
                response.pointInTimeId());
    }

    /**
     * The response with the marks a failed shard rescore left on its hits ({@link NotRerankedFetchSubPhase}) taken off
     * them and said once in its {@code ext}; the response itself when no hit has one.
     */
    @SuppressWarnings("unchecked")
    static SearchResponse withNotRerankedMarksCollected(SearchResponse response) {
        SearchHit[] hits = response.getHits().getHits();
        Map<String, Object> first = null;
        int marked = 0;
        for (SearchHit hit : hits) {
            DocumentField mark = hit.removeDocumentField(NotRerankedFetchSubPhase.FIELD);
            if (mark != null) {
                marked++;
                if (first == null) {
                    first = (Map<String, Object>) mark.getValue();
                }
            }
        }
        if (first == null) {
            return response;
        }
        NotRerankedExt note = new NotRerankedExt((String) first.get("kind"), (String) first.get("reason"), marked);
        return withHits(response, hits, response.getHits().getMaxScore(), false, System.nanoTime(), note);
    }

    private static List<SearchExtBuilder> withNote(List<SearchExtBuilder> exts, @Nullable NotRerankedExt note) {
        if (note == null) {
            return exts;
        }
        List<SearchExtBuilder> noted = new ArrayList<>(exts.size() + 1);
        exts.stream()
                .filter(ext -> NotRerankedExt.NAME.equals(ext.getWriteableName()) == false)
                .forEach(noted::add);
        noted.add(note);
        return noted;
    }
}
