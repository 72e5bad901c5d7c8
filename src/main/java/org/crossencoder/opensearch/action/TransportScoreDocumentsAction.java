/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.action;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.crossencoder.opensearch.engine.InferenceBudget;
import org.crossencoder.opensearch.ranking.PassageReader;
import org.crossencoder.opensearch.scoring.InferenceService;
import org.crossencoder.opensearch.scoring.ScoringRequest;
import org.opensearch.OpenSearchStatusException;
import org.opensearch.action.ActionListenerResponseHandler;
import org.opensearch.action.support.ActionFilters;
import org.opensearch.action.support.ChannelActionListener;
import org.opensearch.action.support.HandledTransportAction;
import org.opensearch.cluster.node.DiscoveryNode;
import org.opensearch.cluster.service.ClusterService;
import org.opensearch.common.inject.Inject;
import org.opensearch.common.lucene.uid.Versions;
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
 * Runs a {@link ScoreDocumentsRequest} on the node it names: sends it there as {@link #NODE_ACTION} (as a child of the
 * caller's task, so cancelling the search cancels it), where the documents are read from the local shards on a search
 * thread and scored by the node's inference service, with the model version the coordinating node pinned.
 * <p>
 * The request goes through the transport layer even when that node is this one, as a shard-level request of
 * OpenSearch's own get does: a security plugin's request handler then sets up the read on every node alike (the user,
 * the action), so that its reader wrapper applies the user's document- and field-level security and field masking
 * to the documents read here, as it does to the search's.
 */
public final class TransportScoreDocumentsAction
        extends HandledTransportAction<ScoreDocumentsRequest, ScoreDocumentsResponse> {

    /** What the node holding the documents runs; a transport-level name only, as a search's shard requests are. */
    public static final String NODE_ACTION = ScoreDocumentsAction.NAME + "[n]";

    private final TransportService transportService;
    private final ClusterService clusterService;
    private final IndicesService indicesService;
    private final InferenceService inference;

    @Inject
    public TransportScoreDocumentsAction(
            TransportService transportService,
            ActionFilters actionFilters,
            ClusterService clusterService,
            IndicesService indicesService,
            InferenceService inference) {
        super(ScoreDocumentsAction.NAME, transportService, actionFilters, ScoreDocumentsRequest::new);
        this.transportService = transportService;
        this.clusterService = clusterService;
        this.indicesService = indicesService;
        this.inference = inference;
        // Reading documents is I/O: on the pool that reads shards for searches, never on a transport thread.
        transportService.registerRequestHandler(
                NODE_ACTION,
                ThreadPool.Names.SEARCH,
                ScoreDocumentsRequest::new,
                (request, channel, task) ->
                        scoreHere(task, request, new ChannelActionListener<>(channel, NODE_ACTION, request)));
    }

    @Override
    protected void doExecute(
            Task task, ScoreDocumentsRequest request, ActionListener<ScoreDocumentsResponse> listener) {
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
                NODE_ACTION,
                request,
                task,
                TransportRequestOptions.EMPTY,
                new ActionListenerResponseHandler<>(listener, ScoreDocumentsResponse::new));
    }

    private void scoreHere(Task task, ScoreDocumentsRequest request, ActionListener<ScoreDocumentsResponse> listener) {
        long start = System.nanoTime();
        ActionListener<ScoreDocumentsResponse> counted = inference.counting(listener);
        try {
            List<PassageReader.Passage> passages = passages(request);
            // Limits were checked where the search was planned; the models are those it pinned.
            ScoringRequest scoring = ScoringRequest.of(
                            request.selection(), request.queryText(), "[" + ScoreDocumentsAction.NAME + "]")
                    .windows(request.passageWindows())
                    .chunks(request.chunks())
                    .plannedOn(request.plannedOn());
            inference.plan(
                    scoring,
                    ActionListener.wrap(
                            plan -> plan.scoreRead(
                                    passages,
                                    InferenceBudget.of((CancellableTask) task, request.timeout(), start),
                                    ActionListener.map(counted, ScoreDocumentsResponse::new)),
                            counted::onFailure));
        } catch (RuntimeException e) {
            counted.onFailure(e);
        }
    }

    /**
     * Each document's fields from its local shard's {@code _source}, read in the caller's thread context: a security
     * plugin's reader wrapper applies the user's document- and field-level security and field masking to this read as
     * to the search's. A document gone since the search, or of an index the request no longer names, reads as empty.
     */
    private List<PassageReader.Passage> passages(ScoreDocumentsRequest request) {
        PassageReader reader = PassageReader.ofSourceFields(request.fields());
        Set<String> readable = Set.copyOf(Arrays.asList(request.indices()));
        List<PassageReader.Passage> passages =
                new ArrayList<>(request.documents().size());
        for (ScoreDocumentsRequest.Document document : request.documents()) {
            if (readable.contains(document.shard().getIndexName()) == false) {
                passages.add(reader.read(Map.of()));
                continue;
            }
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
