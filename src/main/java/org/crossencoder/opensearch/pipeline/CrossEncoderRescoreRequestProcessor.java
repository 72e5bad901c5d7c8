/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.pipeline;

import java.util.List;
import java.util.function.Supplier;
import org.crossencoder.opensearch.ranking.BlendOptions;
import org.crossencoder.opensearch.ranking.Chunks;
import org.crossencoder.opensearch.ranking.PassageWindows;
import org.crossencoder.opensearch.rescore.CrossEncoderRescorerBuilder;
import org.crossencoder.opensearch.rescore.ShardSearches;
import org.crossencoder.opensearch.scoring.InferenceService;
import org.crossencoder.opensearch.scoring.ModelSelection;
import org.opensearch.action.search.SearchRequest;
import org.opensearch.common.logging.HeaderWarning;
import org.opensearch.search.builder.SearchSourceBuilder;
import org.opensearch.search.pipeline.AbstractProcessor;
import org.opensearch.search.pipeline.SearchRequestProcessor;

/**
 * Search request processor {@code cross_encoder_rescore}: adds the {@code cross_encoder} rescore to every
 * request that passes, so each shard reranks its top {@code window_size} hits (and paging stays consistent
 * as long as {@code from + size <= window_size}).
 */
public final class CrossEncoderRescoreRequestProcessor extends AbstractProcessor implements SearchRequestProcessor {

    public static final String TYPE = "cross_encoder_rescore";

    private final Supplier<InferenceService> inference;
    private final ShardSearches searches;
    private final ModelSelection selection;
    private final List<String> fields;
    private final int windowSize;
    private final BlendOptions blend;
    private final QueryTextResolver queryText;
    private final PassageWindows passageWindows;
    private final Chunks chunks;
    private final boolean allowRerankerFailures;

    CrossEncoderRescoreRequestProcessor(
            String tag,
            String description,
            boolean ignoreFailure,
            Supplier<InferenceService> inference,
            ShardSearches searches,
            ModelSelection selection,
            List<String> fields,
            int windowSize,
            BlendOptions blend,
            QueryTextResolver queryText,
            PassageWindows passageWindows,
            Chunks chunks,
            boolean allowRerankerFailures) {
        super(tag, description, ignoreFailure);
        this.allowRerankerFailures = allowRerankerFailures;
        this.inference = inference;
        this.searches = searches;
        this.selection = selection;
        this.fields = fields;
        this.windowSize = windowSize;
        this.blend = blend;
        this.queryText = queryText;
        this.passageWindows = passageWindows;
        this.chunks = chunks;
        // Fails pipeline creation, not the first search, on a bad model name, field list or weight.
        rescorer("placeholder");
    }

    private CrossEncoderRescorerBuilder rescorer(String text) {
        return new CrossEncoderRescorerBuilder(inference, searches, selection, text, fields, blend)
                .passageWindows(passageWindows)
                .chunks(chunks)
                .allowRerankerFailures(allowRerankerFailures)
                .windowSize(windowSize);
    }

    @Override
    public SearchRequest processRequest(SearchRequest request) {
        String sortedBy = SortedSearches.sortedBy(request);
        if (sortedBy != null) {
            // OpenSearch refuses a rescore beside a sort; a pipeline leaves the search the order it asked for.
            HeaderWarning.addWarning(SortedSearches.keptOrder(TYPE, sortedBy));
            return request;
        }
        String text;
        try {
            text = queryText.resolve(request);
        } catch (RuntimeException e) {
            inference.get().onFailure(e);
            throw e;
        }
        if (text == null) {
            return request;
        }
        if (request.source() == null) {
            request.source(new SearchSourceBuilder());
        }
        request.source().addRescorer(rescorer(text).searchedIndices(request.indices()));
        return request;
    }

    @Override
    public String getType() {
        return TYPE;
    }

    /** Reads the processor's configuration in a search pipeline definition. */
    public static final class Factory extends ProcessorFactory<SearchRequestProcessor> {

        private final ShardSearches searches;

        public Factory(Supplier<InferenceService> inference, ShardSearches searches) {
            super(TYPE, inference);
            this.searches = searches;
        }

        @Override
        CrossEncoderRescoreRequestProcessor create(
                String tag, String description, boolean ignoreFailure, ProcessorConfig options) {
            if (options.optionalNumber(CrossEncoderRerankResponseProcessor.MIN_SCORE) != null) {
                throw options.invalid(
                        CrossEncoderRerankResponseProcessor.MIN_SCORE,
                        "a rescore reorders each shard's hits and cannot drop any: give ["
                                + CrossEncoderRerankResponseProcessor.MIN_SCORE + "] to the ["
                                + CrossEncoderRerankResponseProcessor.TYPE + "] response processor instead");
            }
            Chunks chunks = options.chunks();
            options.refuseInnerHits(
                    chunks, "[" + TYPE + "] adds a rescore, which runs on each shard in the query phase and");
            return new CrossEncoderRescoreRequestProcessor(
                    tag,
                    description,
                    ignoreFailure,
                    inference,
                    searches,
                    options.selection(),
                    options.fields(chunks),
                    options.positiveInt("window_size", 100),
                    options.blend(),
                    options.queryTextResolver(),
                    options.passageWindows(),
                    chunks,
                    options.allowRerankerFailures());
        }
    }
}
