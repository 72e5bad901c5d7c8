/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.action;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.crossencoder.opensearch.model.InferenceBudget;
import org.crossencoder.opensearch.model.InferenceService;
import org.crossencoder.opensearch.model.ScoringRequest;
import org.crossencoder.opensearch.ranking.PassageReader;
import org.opensearch.OpenSearchStatusException;
import org.opensearch.action.ActionListenerResponseHandler;
import org.opensearch.action.support.ActionFilters;
import org.opensearch.action.support.HandledTransportAction;
import org.opensearch.cluster.node.DiscoveryNode;
import org.opensearch.cluster.service.ClusterService;
import org.opensearch.common.inject.Inject;
import org.opensearch.common.lucene.uid.Versions;
import org.opensearch.common.util.concurrent.AbstractRunnable;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.index.VersionType;
import org.opensearch.index.get.GetResult;
import org.opensearch.indices.IndicesService;
import org.opensearch.search.fetch.subphase.FetchSourceContext;
import org.opensearch.tasks.CancellableTask;
import org.opensearch.tasks.Task;
import org.opensearch.threadpool.ThreadPool;
import org.opensearch.transport.TransportRequestOptions;
import org.opensearch.transport.TransportService;

/**
 * Runs a {@link ScoreDocumentsRequest} on the node it names: forwards it there (as a child of the caller's task, so
 * cancelling the search cancels it), where the documents are read from the local shards on a search thread and
 * scored by the node's inference service, with the model version the coordinating node pinned.
 */
public final class TransportScoreDocumentsAction
        extends HandledTransportAction<ScoreDocumentsRequest, ScoreDocumentsResponse> {

    private final TransportService transportService;
    private final ClusterService clusterService;
    private final IndicesService indicesService;
    private final ThreadPool threadPool;
    private final InferenceService inference;

    @Inject
    public TransportScoreDocumentsAction(
            TransportService transportService,
            ActionFilters actionFilters,
            ClusterService clusterService,
            IndicesService indicesService,
            ThreadPool threadPool,
            InferenceService inference) {
        super(ScoreDocumentsAction.NAME, transportService, actionFilters, ScoreDocumentsRequest::new);
        this.transportService = transportService;
        this.clusterService = clusterService;
        this.indicesService = indicesService;
        this.threadPool = threadPool;
        this.inference = inference;
    }

    @Override
    protected void doExecute(
            Task task, ScoreDocumentsRequest request, ActionListener<ScoreDocumentsResponse> listener) {
        if (request.nodeId().equals(clusterService.localNode().getId()) == false) {
            DiscoveryNode node = clusterService.state().nodes().get(request.nodeId());
            if (node == null) {
                listener.onFailure(new OpenSearchStatusException(
                        "node [{}] that holds documents to rerank left the cluster; retry the search",
                        RestStatus.SERVICE_UNAVAILABLE,
                        request.nodeId()));
                return;
            }
            transportService.sendChildRequest(
                    node,
                    ScoreDocumentsAction.NAME,
                    request,
                    task,
                    TransportRequestOptions.EMPTY,
                    new ActionListenerResponseHandler<>(listener, ScoreDocumentsResponse::new));
            return;
        }
        long start = System.nanoTime();
        ActionListener<ScoreDocumentsResponse> counted = inference.counting(listener);
        // Reading documents is I/O: off the transport thread, on the pool that reads shards for searches.
        threadPool.executor(ThreadPool.Names.SEARCH).execute(new AbstractRunnable() {
            @Override
            protected void doRun() {
                List<PassageReader.Passage> passages = passages(request);
                // Limits were checked where the search was planned; the models are those it pinned.
                ScoringRequest scoring = ScoringRequest.of(
                                request.selection(), request.queryText(), "[" + ScoreDocumentsAction.NAME + "]")
                        .windows(request.passageWindows())
                        .plannedOn(request.plannedOn());
                inference.plan(
                        scoring,
                        ActionListener.wrap(
                                plan -> plan.score(
                                        passages.stream()
                                                .map(PassageReader.Passage::text)
                                                .toList(),
                                        InferenceBudget.of((CancellableTask) task, request.timeout(), start),
                                        ActionListener.map(
                                                counted,
                                                scores -> new ScoreDocumentsResponse(
                                                        PassageReader.locateBestWindows(scores, passages)))),
                                counted::onFailure));
            }

            @Override
            public void onFailure(Exception e) {
                counted.onFailure(e);
            }
        });
    }

    /** Each document's fields from its local shard's {@code _source}; a document gone since the search, as empty. */
    private List<PassageReader.Passage> passages(ScoreDocumentsRequest request) {
        PassageReader reader = PassageReader.ofSourceFields(request.fields());
        List<PassageReader.Passage> passages =
                new ArrayList<>(request.documents().size());
        for (ScoreDocumentsRequest.Document document : request.documents()) {
            GetResult result = indicesService
                    .indexServiceSafe(document.shard().getIndex())
                    .getShard(document.shard().id())
                    .getService()
                    .get(
                            document.id(),
                            null,
                            false,
                            Versions.MATCH_ANY,
                            VersionType.INTERNAL,
                            FetchSourceContext.FETCH_SOURCE);
            Map<String, Object> source = result.isExists() ? result.sourceAsMap() : null;
            passages.add(reader.read(source == null ? Map.of() : source));
        }
        return passages;
    }
}
