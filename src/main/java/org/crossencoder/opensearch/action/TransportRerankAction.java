/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.action;

import org.crossencoder.opensearch.model.CrossEncoderModel;
import org.crossencoder.opensearch.model.InferenceBudget;
import org.crossencoder.opensearch.model.InferenceService;
import org.crossencoder.opensearch.model.PassageWindows;
import org.opensearch.action.support.ActionFilters;
import org.opensearch.action.support.HandledTransportAction;
import org.opensearch.common.inject.Inject;
import org.opensearch.core.action.ActionListener;
import org.opensearch.tasks.CancellableTask;
import org.opensearch.tasks.Task;
import org.opensearch.transport.TransportService;

/** Runs a rerank request on the node that received it, with that node's model. */
public final class TransportRerankAction extends HandledTransportAction<RerankRequest, RerankResponse> {

    private final InferenceService inference;

    @Inject
    public TransportRerankAction(
            TransportService transportService, ActionFilters actionFilters, InferenceService inference) {
        super(RerankAction.NAME, transportService, actionFilters, RerankRequest::new);
        this.inference = inference;
    }

    @Override
    protected void doExecute(Task task, RerankRequest request, ActionListener<RerankResponse> listener) {
        long start = System.nanoTime();
        try {
            inference.checkPairLimit(request.texts().size(), null, "[rerank] the number of texts", "");
            inference.checkQueryText(request.queryText(), "[rerank]");
            inference.checkRerankTextLength(request.texts());
        } catch (RuntimeException e) {
            listener.onFailure(e);
            return;
        }
        inference.model(
                request.model(),
                ActionListener.wrap(model -> score(task, request, model, start, listener), listener::onFailure));
    }

    private void score(
            Task task,
            RerankRequest request,
            CrossEncoderModel model,
            long start,
            ActionListener<RerankResponse> listener) {
        PassageWindows.Resolved windows = InferenceService.windows(model, request.passageWindows());
        if (windows != null) {
            inference.checkPairLimit(request.texts().size(), windows, "[rerank] the number of texts", "");
        }
        inference.score(
                model,
                request.queryText(),
                request.texts(),
                windows,
                InferenceBudget.of((CancellableTask) task, request.timeout(), start),
                ActionListener.map(
                        listener,
                        scores -> RerankResponse.of(
                                model.name(),
                                (System.nanoTime() - start) / 1_000_000,
                                scores,
                                windows != null && windows.returnBest(),
                                request.topN())));
    }
}
