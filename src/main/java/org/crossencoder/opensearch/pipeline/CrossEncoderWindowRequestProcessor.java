/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.pipeline;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.crossencoder.opensearch.scoring.InferenceService;
import org.opensearch.action.search.SearchRequest;
import org.opensearch.ingest.ConfigurationUtils;
import org.opensearch.search.builder.SearchSourceBuilder;
import org.opensearch.search.pipeline.AbstractProcessor;
import org.opensearch.search.pipeline.PipelineProcessingContext;
import org.opensearch.search.pipeline.SearchRequestProcessor;
import org.opensearch.search.pipeline.StatefulSearchRequestProcessor;

/**
 * Search request processor {@code cross_encoder_window}: makes a search fetch the global top {@code window_size} hits
 * (or up to the end of the page asked for, if it reaches past them) from the first result, so that the
 * {@code cross_encoder_rerank} response processor after it reranks the same window for every page and returns the
 * page asked for. A page that starts past the window passes unchanged and keeps first-stage order, as with the rescore
 * clause.
 */
public final class CrossEncoderWindowRequestProcessor extends AbstractProcessor
        implements StatefulSearchRequestProcessor {

    public static final String TYPE = "cross_encoder_window";
    static final int DEFAULT_WINDOW_SIZE = 100;
    /** OpenSearch's page size when a search gives none. */
    private static final int DEFAULT_SIZE = 10;

    private final Supplier<InferenceService> inference;
    private final int windowSize;

    CrossEncoderWindowRequestProcessor(
            String tag,
            String description,
            boolean ignoreFailure,
            Supplier<InferenceService> inference,
            int windowSize) {
        super(tag, description, ignoreFailure);
        this.inference = inference;
        this.windowSize = windowSize;
    }

    @Override
    public SearchRequest processRequest(SearchRequest request, PipelineProcessingContext context) {
        try {
            inference.get().limits().checkPairLimit(windowSize, null, 1, "[" + TYPE + "] [window_size]", "");
        } catch (RuntimeException e) {
            inference.get().onFailure(e);
            throw e;
        }
        if (SortedSearches.sortedBy(request) != null) {
            return request; // cross_encoder_rerank keeps a sorted page as it is: nothing to widen for
        }
        if (request.source() == null) {
            request.source(new SearchSourceBuilder());
        }
        SearchSourceBuilder source = request.source();
        RerankWindow window = new RerankWindow(
                Math.max(0, source.from()), source.size() < 0 ? DEFAULT_SIZE : source.size(), windowSize);
        window.store(context);
        if (window.beyond() == false) {
            source.from(0).size(window.fetchSize());
        }
        return request;
    }

    @Override
    public String getType() {
        return TYPE;
    }

    /**
     * Refuses a pipeline definition with this processor but no {@code cross_encoder_rerank} response processor: the search
     * it widens would answer the whole window, not the page asked for. A processor sees only its own configuration, so
     * the definition is checked as a whole where it arrives (a stored pipeline's PUT, a search's own pipeline).
     */
    static void checkPipeline(Map<String, Object> definition) {
        if (names(definition.get("request_processors")).contains(TYPE)
                && names(definition.get("response_processors")).contains(CrossEncoderRerankResponseProcessor.TYPE)
                        == false) {
            throw ConfigurationUtils.newConfigurationException(
                    TYPE,
                    null,
                    null,
                    "a [" + TYPE + "] request processor needs a [" + CrossEncoderRerankResponseProcessor.TYPE
                            + "] response processor in the same pipeline:"
                            + " it widens each search to the whole window for that processor to rerank and cut back to"
                            + " the page asked for; alone, a search would answer the whole window");
        }
    }

    /** The types of a pipeline's list of processors ({@code [{"type": {...}}, ...]}). */
    private static Set<String> names(Object processors) {
        Set<String> names = new HashSet<>();
        if (processors instanceof List<?> list) {
            for (Object processor : list) {
                if (processor instanceof Map<?, ?> map) {
                    map.keySet().forEach(name -> names.add(String.valueOf(name)));
                }
            }
        }
        return names;
    }

    /** Reads {@code window_size} (default 100). */
    public static final class Factory extends ProcessorFactory<SearchRequestProcessor> {

        public Factory(Supplier<InferenceService> inference) {
            super(TYPE, inference);
        }

        @Override
        CrossEncoderWindowRequestProcessor create(
                String tag, String description, boolean ignoreFailure, ProcessorConfig options) {
            return new CrossEncoderWindowRequestProcessor(
                    tag,
                    description,
                    ignoreFailure,
                    inference,
                    options.positiveInt("window_size", DEFAULT_WINDOW_SIZE));
        }
    }
}
