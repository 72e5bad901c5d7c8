/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.pipeline;

import java.util.Arrays;
import java.util.function.Supplier;
import org.crossencoder.opensearch.engine.InferenceBudget;
import org.crossencoder.opensearch.ranking.BlendOptions;
import org.crossencoder.opensearch.ranking.Chunks;
import org.crossencoder.opensearch.ranking.Interpolation;
import org.crossencoder.opensearch.ranking.PassageScores;
import org.crossencoder.opensearch.ranking.PassageWindows;
import org.crossencoder.opensearch.scoring.FailureKind;
import org.crossencoder.opensearch.scoring.InferenceService;
import org.crossencoder.opensearch.scoring.ModelSelection;
import org.crossencoder.opensearch.scoring.ScoringRequest;
import org.opensearch.ExceptionsHelper;
import org.opensearch.action.search.SearchRequest;
import org.opensearch.action.search.SearchResponse;
import org.opensearch.common.Nullable;
import org.opensearch.common.unit.TimeValue;
import org.opensearch.common.util.concurrent.ThreadContext;
import org.opensearch.core.action.ActionListener;
import org.opensearch.search.SearchHit;
import org.opensearch.search.pipeline.AbstractProcessor;
import org.opensearch.search.pipeline.PipelineProcessingContext;
import org.opensearch.search.pipeline.SearchResponseProcessor;

/**
 * Search response processor {@code cross_encoder_rerank}: reranks the merged hits on the coordinating node,
 * one global order whatever the first stage (BM25, kNN, hybrid). It reranks the first {@code window_size}
 * hits of the response (all of them by default); the rest keep their order below. It reads the fields from
 * each hit's {@code _source} in the response, so a request that filters {@code _source} is refused, and
 * because it sees only the page it is given, a request with {@code from > 0} is refused too: page within a
 * reranked {@code size}, or use {@code cross_encoder_rescore}, which pages on the shards.
 */
public final class CrossEncoderRerankResponseProcessor extends AbstractProcessor implements SearchResponseProcessor {

    public static final String TYPE = "cross_encoder_rerank";
    static final String MIN_SCORE = "min_score";
    static final String KEEP_FIRST_STAGE_SCORE_AS = "keep_first_stage_score_as";
    private static final String WHAT_IS_RERANKED = "[" + TYPE + "] the number of hits to rerank";
    private static final String REMEDY = "; ask a smaller [size] or give the processor a [window_size]";

    /**
     * What the processor asks of the model: the models, how many hits ({@code windowSize} null: all of them), the
     * blend (resolved with the model's default for each response), how passages are read (null: as the model's
     * {@code cross-encoder.json} says), the query text, and whether a failure of the reranker answers the first stage.
     */
    record Options(
            ModelSelection selection,
            @Nullable Integer windowSize,
            BlendOptions blend,
            @Nullable PassageWindows passageWindows,
            @Nullable Chunks chunks,
            QueryTextResolver queryText,
            boolean allowRerankerFailures) {}

    private final Supplier<InferenceService> inference;
    private final ThreadContext threadContext;
    private final Options options;
    private final HitScoring scoring;
    private final ResponseReranking reranking;

    CrossEncoderRerankResponseProcessor(
            String tag,
            String description,
            boolean ignoreFailure,
            Supplier<InferenceService> inference,
            ThreadContext threadContext,
            Options options,
            HitScoring scoring,
            ResponseReranking reranking) {
        super(tag, description, ignoreFailure);
        this.inference = inference;
        this.threadContext = threadContext;
        this.options = options;
        this.scoring = scoring;
        this.reranking = reranking;
    }

    /** Search pipelines call {@link #processResponseAsync}; waiting here for the model would block a search thread. */
    @Override
    public SearchResponse processResponse(SearchRequest request, SearchResponse response) {
        throw new UnsupportedOperationException(
                "[" + TYPE + "] runs the model asynchronously: use processResponseAsync");
    }

    @Override
    public void processResponseAsync(
            SearchRequest request,
            SearchResponse response,
            PipelineProcessingContext context,
            ActionListener<SearchResponse> listener) {
        long start = System.nanoTime();
        RerankWindow page = RerankWindow.of(context);
        SearchHit[] hits = response.getHits().getHits();
        ActionListener<SearchResponse> answer =
                ActionListener.wrap(listener::onResponse, e -> failed(e, response, hits, page, start, listener));
        String text;
        int window;
        try {
            if (page != null && page.beyond()) {
                listener.onResponse(response);
                return;
            }
            String sortedBy = SortedSearches.sortedBy(request);
            if (sortedBy != null) {
                listener.onResponse(ResponseReranking.firstStage(
                        response,
                        hits,
                        page,
                        start,
                        NotRerankedExt.SORTED_SEARCH,
                        SortedSearches.keptOrder(TYPE, sortedBy)));
                return;
            }
            text = options.queryText().resolve(request);
            if (text == null || hits.length == 0) {
                // Nothing to rerank; a widened search still owes the page that was asked for.
                listener.onResponse(
                        page == null
                                ? response
                                : ResponseReranking.firstStage(response, hits, page, start, null, null));
                return;
            }
            checkPaging(request, page);
            scoring.checkReadable(request);
            window = page != null
                    ? Math.min(page.window(), hits.length)
                    : options.windowSize() == null ? hits.length : Math.min(options.windowSize(), hits.length);
        } catch (RuntimeException e) {
            answer.onFailure(e);
            return;
        }
        InferenceBudget budget = budget(request, response, start);
        boolean explain =
                request.source() != null && Boolean.TRUE.equals(request.source().explain());
        ScoringRequest scoringRequest = ScoringRequest.of(options.selection(), text, "[" + TYPE + "]")
                .passages(window, WHAT_IS_RERANKED, REMEDY)
                .windows(options.passageWindows())
                .chunks(options.chunks());
        inference
                .get()
                .plan(
                        scoringRequest,
                        ActionListener.wrap(
                                plan -> {
                                    Interpolation interpolation = plan.ensemble()
                                            .blend(options.blend())
                                            .interpolation();
                                    ActionListener<PassageScores> reranked = ActionListener.map(
                                            answer,
                                            scores -> reranking.rerank(
                                                    response, hits, plan, interpolation, scores, page, explain, start));
                                    scoring.score(plan, Arrays.copyOf(hits, window), budget, reranked);
                                },
                                answer::onFailure));
    }

    /**
     * Every failure is counted once. With {@code allow_reranker_failures}, one that is the model's or the node's (not
     * the request's, nor a cancellation) answers the first-stage hits and says why in the response; so does any failure
     * under OpenSearch's {@code ignore_failure} when {@code cross_encoder_window} widened the search, which would
     * otherwise pass on the whole widened window instead of the page asked for.
     */
    private void failed(
            Exception e,
            SearchResponse response,
            SearchHit[] hits,
            RerankWindow page,
            long start,
            ActionListener<SearchResponse> listener) {
        InferenceService service = inference.get();
        boolean cancelled = FailureKind.isCancellation(e);
        FailureKind kind = cancelled ? null : FailureKind.of(e);
        boolean fallBack = cancelled == false
                && ((options.allowRerankerFailures() && kind.fallsBackToFirstStage())
                        || (page != null && isIgnoreFailure()));
        if (fallBack == false) {
            service.onFailure(e);
            listener.onFailure(e);
            return;
        }
        if (options.allowRerankerFailures() && kind.fallsBackToFirstStage()) {
            service.onFallback(kind);
        } else {
            service.onFailure(e);
        }
        SearchResponse firstStage;
        try {
            // A data node's failure arrives wrapped in the transport's exception, whose message names only the action.
            String reason = ExceptionsHelper.unwrapCause(e).getMessage();
            firstStage = ResponseReranking.firstStage(response, hits, page, start, kind.toString(), reason);
        } catch (RuntimeException unexpected) {
            listener.onFailure(unexpected);
            return;
        }
        listener.onResponse(firstStage);
    }

    /** The search's own task and what is left of its {@code timeout} after the search itself. */
    private InferenceBudget budget(SearchRequest request, SearchResponse response, long nowNanos) {
        TimeValue timeout = request.source() == null ? null : request.source().timeout();
        TimeValue left = timeout == null
                ? null
                : TimeValue.timeValueMillis(
                        Math.max(0, timeout.millis() - response.getTook().millis()));
        return InferenceBudget.of(SearchTaskFilter.current(threadContext), left, nowNanos);
    }

    private static void checkPaging(SearchRequest request, @Nullable RerankWindow page) {
        if (page == null && request.source() != null && request.source().from() > 0) {
            throw new IllegalArgumentException("["
                    + TYPE
                    + "] reranks the hits of one response and cannot order pages it does not see: put the ["
                    + CrossEncoderWindowRequestProcessor.TYPE
                    + "] request processor before it, which fetches the whole window for every page");
        }
    }

    @Override
    public String getType() {
        return TYPE;
    }
}
