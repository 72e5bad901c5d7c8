/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.pipeline;

import java.util.Arrays;
import org.opensearch.common.Nullable;
import org.opensearch.search.SearchHit;
import org.opensearch.search.pipeline.PipelineProcessingContext;

/**
 * The page a search asked for and the global window reranked for it, handed by {@code cross_encoder_window} to
 * {@code cross_encoder_rerank} through the pipeline's processing context (as OpenSearch's {@code oversample} hands its
 * original size to {@code truncate_hits}).
 */
record RerankWindow(int from, int size, int window) {

    private static final String ATTRIBUTE = "cross_encoder.rerank_window";

    /** A page that starts at or after the window: nothing in it is reranked, it keeps first-stage order. */
    boolean beyond() {
        return from >= window;
    }

    /** How many hits from the top the search fetches so that the whole window and the page are in the response. */
    int fetchSize() {
        return Math.max(window, from + size);
    }

    /** The page asked for, out of the hits of the widened search (which start at the first hit). */
    SearchHit[] of(SearchHit[] hits) {
        return Arrays.copyOfRange(hits, Math.min(from, hits.length), Math.min(from + size, hits.length));
    }

    void store(PipelineProcessingContext context) {
        context.setAttribute(ATTRIBUTE, this);
    }

    @Nullable
    static RerankWindow of(@Nullable PipelineProcessingContext context) {
        return context == null ? null : (RerankWindow) context.getAttribute(ATTRIBUTE);
    }
}
