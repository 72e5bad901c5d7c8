/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.compat;

import org.opensearch.action.ActionRequest;
import org.opensearch.action.support.ActionFilter;
import org.opensearch.action.support.ActionFilterChain;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.action.ActionResponse;
import org.opensearch.tasks.Task;

/**
 * An action filter, written once for every version as {@link #filter}. 2.19 to 3.3: {@code ActionFilter.apply} has
 * no {@code ActionRequestMetadata} parameter (added in 3.4, which deprecates this form for removal).
 */
public abstract class ActionFilterBase implements ActionFilter {

    @Override
    public final <Request extends ActionRequest, Response extends ActionResponse> void apply(
            Task task,
            String action,
            Request request,
            ActionListener<Response> listener,
            ActionFilterChain<Request, Response> chain) {
        filter(task, action, request, listener, chain);
    }

    protected abstract <Request extends ActionRequest, Response extends ActionResponse> void filter(
            Task task,
            String action,
            Request request,
            ActionListener<Response> listener,
            ActionFilterChain<Request, Response> chain);
}
