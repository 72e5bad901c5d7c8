/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.action;

import org.crossencoder.opensearch.engine.InferenceBudget;
import org.crossencoder.opensearch.ranking.PassageScores;
import org.crossencoder.opensearch.scoring.InferenceService;
import org.crossencoder.opensearch.scoring.ScoringPlan;
import org.crossencoder.opensearch.scoring.ScoringRequest;
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
    protected void doExecute(Task task, RerankRequest request, ActionListener<RerankResponse> response) {
        long start = System.nanoTime();
        ActionListener<RerankResponse> listener = inference.counting(response);
        ScoringRequest scoring = ScoringRequest.of(request.selection(), request.queryText(), "[rerank]")
                .passages(request.texts().size(), "[rerank] the number of texts", "")
                .texts(request.texts())
                .windows(request.passageWindows())
                .chunks(request.chunks());
        inference.plan(
                scoring, ActionListener.wrap(plan -> score(task, request, plan, start, listener), listener::onFailure));
    }

    private void score(
            Task task, RerankRequest request, ScoringPlan plan, long start, ActionListener<RerankResponse> listener) {
        InferenceBudget budget = InferenceBudget.of((CancellableTask) task, request.timeout(), start);
        ActionListener<PassageScores> answer = ActionListener.map(
                listener,
                scores -> RerankResponse.of(
                        plan.ensemble().members().stream()
                                .map(member -> member.model().name())
                                .toList(),
                        (System.nanoTime() - start) / 1_000_000,
                        scores,
                        plan.returnsBest(),
                        plan.chunks() != null,
                        request.topN(),
                        request.minScore()));
        if (request.chunks() == null) {
            plan.score(request.texts(), budget, answer);
        } else {
            plan.scoreRead(request.passages(), budget, answer);
        }
    }
}
