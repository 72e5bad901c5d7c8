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
import org.opensearch.action.ActionRequest;
import org.opensearch.action.search.SearchAction;
import org.opensearch.action.support.ActionFilterChain;
import org.opensearch.common.Nullable;
import org.opensearch.common.util.concurrent.ThreadContext;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.action.ActionResponse;
import org.opensearch.tasks.CancellableTask;
import org.opensearch.tasks.Task;

/**
 * Puts each search's task in the thread context the search runs in. Search response processors are not handed
 * the task, and {@code cross_encoder_rerank} needs it to stop when the search is cancelled (by
 * {@code _tasks/_cancel}, {@code cancel_after_time_interval}, or the client going away).
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
        if (SearchAction.NAME.equals(action) == false || (task instanceof CancellableTask) == false) {
            chain.proceed(task, action, request, listener);
            return;
        }
        ThreadContext context = threadContext.get();
        try (ThreadContext.StoredContext restore = context.newStoredContext(true, List.of(SEARCH_TASK))) {
            context.putTransient(SEARCH_TASK, task);
            chain.proceed(task, action, request, listener);
        }
    }
}
