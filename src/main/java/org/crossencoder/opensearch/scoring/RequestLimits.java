/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.scoring;

import java.util.List;
import org.crossencoder.opensearch.ranking.Chunks;
import org.crossencoder.opensearch.ranking.PassageWindows;
import org.crossencoder.opensearch.ranking.VisibleText;
import org.crossencoder.opensearch.settings.CrossEncoderSettings;
import org.crossencoder.opensearch.settings.DynamicSettings;
import org.opensearch.common.Nullable;

/** The limits a request to score must keep (dynamic cluster settings), each broken one a 400 naming its setting. */
public final class RequestLimits {

    private final DynamicSettings settings;

    public RequestLimits(DynamicSettings settings) {
        this.settings = settings;
    }

    /** As {@link #checkPairLimit(int, PassageWindows.Resolved, Chunks, int, String, String)} for unchunked documents. */
    public void checkPairLimit(
            int hits, @Nullable PassageWindows.Resolved windows, int models, String what, String remedy) {
        checkPairLimit(hits, windows, null, models, what, remedy);
    }

    /**
     * Throws a 400 naming {@code what}, the limit and its setting when {@code hits} exceeds
     * {@link CrossEncoderSettings#MAX_WINDOW_SIZE}, or when the pairs they can make, read as up to {@code max_chunks}
     * {@code chunks} (null: one passage each), each in {@code windows} (null: one pair), by {@code models} models,
     * exceed {@link CrossEncoderSettings#MAX_PAIRS_PER_REQUEST}; {@code remedy} (may be empty) tells the user what to
     * change.
     */
    public void checkPairLimit(
            int hits,
            @Nullable PassageWindows.Resolved windows,
            @Nullable Chunks chunks,
            int models,
            String what,
            String remedy) {
        if (hits > settings.maxWindowSize()) {
            throw new IllegalArgumentException(what
                    + " ["
                    + hits
                    + "] is too large: each one costs a model pass, and ["
                    + CrossEncoderSettings.MAX_WINDOW_SIZE.getKey()
                    + "] allows at most ["
                    + settings.maxWindowSize()
                    + "]"
                    + remedy);
        }
        long perHit =
                (chunks == null ? 1L : chunks.maxChunksOrDefault()) * (windows == null ? 1 : windows.maxWindows());
        long pairs = hits * perHit * models;
        if (pairs > settings.maxPairsPerRequest()) {
            boolean onePass = windows == null && chunks == null && models == 1;
            throw new IllegalArgumentException(what
                    + " ["
                    + hits
                    + "]"
                    + (chunks == null
                            ? ""
                            : " read as up to [" + Chunks.NAME + "] [max_chunks] [" + chunks.maxChunksOrDefault()
                                    + "] chunks each")
                    + (windows == null
                            ? ""
                            : (chunks == null ? "" : ",") + " read in up to [" + PassageWindows.NAME
                                    + "] [max_windows] [" + windows.maxWindows() + "] windows each")
                    + (models == 1 ? "" : " and scored by [" + models + "] models")
                    + " can make ["
                    + pairs
                    + "] pairs, each a model pass: ["
                    + CrossEncoderSettings.MAX_PAIRS_PER_REQUEST.getKey()
                    + "] allows at most ["
                    + settings.maxPairsPerRequest()
                    + "] per request (and ["
                    + CrossEncoderSettings.MAX_WINDOW_SIZE.getKey()
                    + "] at most ["
                    + settings.maxWindowSize()
                    + "] hits)"
                    + (onePass
                            ? remedy
                            : ": rerank fewer hits"
                                    + (chunks == null ? "" : " or score fewer chunks ([max_chunks])")
                                    + (windows == null ? "" : " or allow fewer windows")
                                    + (models == 1 ? "" : " or use fewer models")));
        }
    }

    /** Throws a 400 naming {@code where} when the query text is longer than {@link CrossEncoderSettings#MAX_QUERY_TEXT_LENGTH}. */
    public void checkQueryText(String queryText, String where) {
        int length = VisibleText.length(queryText);
        if (length > settings.maxQueryTextLength()) {
            throw new IllegalArgumentException(where
                    + " [query_text] is ["
                    + length
                    + "] characters long; ["
                    + CrossEncoderSettings.MAX_QUERY_TEXT_LENGTH.getKey()
                    + "] allows at most ["
                    + settings.maxQueryTextLength()
                    + "]: the model reads only its first tokens anyway");
        }
    }

    /** Throws a 400 when the texts of a {@code _rerank} call hold more characters than its setting allows. */
    public void checkRerankTextLength(List<String> texts) {
        long total = texts.stream().mapToLong(VisibleText::length).sum();
        if (total > settings.maxRerankTextLength()) {
            throw new IllegalArgumentException("[rerank] [texts] hold ["
                    + total
                    + "] characters together; ["
                    + CrossEncoderSettings.RERANK_MAX_TOTAL_TEXT_LENGTH.getKey()
                    + "] allows at most ["
                    + settings.maxRerankTextLength()
                    + "]: the model reads only the first tokens of each text, so send those");
        }
    }
}
