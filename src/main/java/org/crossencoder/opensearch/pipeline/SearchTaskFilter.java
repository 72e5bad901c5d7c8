/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.pipeline;

import java.util.List;
import java.util.function.Supplier;
import org.crossencoder.opensearch.compat.ActionFilterBase;
import org.crossencoder.opensearch.rescore.CrossEncoderRescorerBuilder;
import org.opensearch.action.ActionRequest;
import org.opensearch.action.search.PutSearchPipelineRequest;
import org.opensearch.action.search.SearchAction;
import org.opensearch.action.search.SearchRequest;
import org.opensearch.action.search.SearchResponse;
import org.opensearch.action.support.ActionFilterChain;
import org.opensearch.common.Nullable;
import org.opensearch.common.util.concurrent.ThreadContext;
import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.action.ActionResponse;
import org.opensearch.search.rescore.RescorerBuilder;
import org.opensearch.tasks.CancellableTask;
import org.opensearch.tasks.Task;

/**
 * What the search processors need from the actions around them, on the node that receives a request:
 * <ul>
 *   <li>each search's task, put in the thread context the search runs in. Search response processors are not handed
 *   the task, and {@code cross_encoder_rerank} needs it to stop when the search is cancelled (by {@code _tasks/_cancel},
 *   {@code cancel_after_time_interval}, or the client going away);</li>
 *   <li>the indices a search names, which its {@code cross_encoder} rescores need to tell a field an index lacks from
 *   a typo ({@link CrossEncoderRescorerBuilder#searchedIndices});</li>
 *   <li>the search's response, where the marks a shard's failed rescore left on its hits become one note in the
 *   response's {@code ext} ({@link SearchResponses#withNotRerankedMarksCollected});</li>
 *   <li>the whole definition of a pipeline (stored by a PUT, or a search's own), where a processor that only makes sense
 *   with another is checked ({@link CrossEncoderWindowRequestProcessor#checkPipeline}).</li>
 * </ul>
 */
public final class SearchTaskFilter extends ActionFilterBase {

    private static final String SEARCH_TASK = "cross_encoder.search_task";

    private final Supplier<ThreadContext> threadContext;

    /** The thread context comes from the thread pool, which exists only after action filters are collected. */
    public SearchTaskFilter(Supplier<ThreadContext> threadContext) {
        this.threadContext = threadContext;
    }

    /** The task of the search whose thread context this is, or null outside a search. */
    @Nullable
    static CancellableTask current(ThreadContext threadContext) {
        return threadContext.getTransient(SEARCH_TASK);
    }

    @SuppressWarnings("unchecked")
    private static <Response extends ActionResponse> Response collectNotRerankedMarks(Response response) {
        return response instanceof SearchResponse search
                ? (Response) SearchResponses.withNotRerankedMarksCollected(search)
                : response;
    }

    @Override
    public int order() {
        return 0;
    }

    @Override
    protected <Request extends ActionRequest, Response extends ActionResponse> void filter(
            Task task,
            String action,
            Request request,
            ActionListener<Response> listener,
            ActionFilterChain<Request, Response> chain) {
        try {
            if (request instanceof PutSearchPipelineRequest put) {
                CrossEncoderWindowRequestProcessor.checkPipeline(
                        XContentHelper.convertToMap(put.getSource(), false, put.getMediaType())
                                .v2());
            } else if (request instanceof SearchRequest search
                    && search.source() != null
                    && search.source().searchPipelineSource() != null) {
                CrossEncoderWindowRequestProcessor.checkPipeline(search.source().searchPipelineSource());
            }
        } catch (RuntimeException e) {
            listener.onFailure(e);
            return;
        }
        if (SearchAction.NAME.equals(action) == false || (task instanceof CancellableTask) == false) {
            chain.proceed(task, action, request, listener);
            return;
        }
        if (request instanceof SearchRequest search
                && search.source() != null
                && search.source().rescores() != null) {
            for (RescorerBuilder<?> rescorer : search.source().rescores()) {
                if (rescorer instanceof CrossEncoderRescorerBuilder crossEncoder) {
                    crossEncoder.searchedIndices(search.indices());
                }
            }
        }
        ThreadContext context = threadContext.get();
        try (ThreadContext.StoredContext restore = context.newStoredContext(true, List.of(SEARCH_TASK))) {
            context.putTransient(SEARCH_TASK, task);
            chain.proceed(
                    task, action, request, ActionListener.map(listener, SearchTaskFilter::collectNotRerankedMarks));
        }
    }
}
