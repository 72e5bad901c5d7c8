/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.pipeline;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.crossencoder.opensearch.action.ScoreDocumentsAction;
import org.crossencoder.opensearch.action.ScoreDocumentsRequest;
import org.crossencoder.opensearch.action.ScoreDocumentsResponse;
import org.crossencoder.opensearch.compat.NodeActions;
import org.crossencoder.opensearch.engine.InferenceBudget;
import org.crossencoder.opensearch.ranking.Chunks;
import org.crossencoder.opensearch.ranking.PassageScores;
import org.crossencoder.opensearch.ranking.PassageWindows;
import org.crossencoder.opensearch.scoring.InferenceService;
import org.crossencoder.opensearch.scoring.ModelSelection;
import org.crossencoder.opensearch.scoring.ScoringPlan;
import org.opensearch.action.search.SearchRequest;
import org.opensearch.action.support.GroupedActionListener;
import org.opensearch.cluster.node.DiscoveryNode;
import org.opensearch.common.Nullable;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.tasks.TaskId;
import org.opensearch.search.SearchHit;
import org.opensearch.tasks.CancellableTask;

/**
 * Scores a response's hits where their documents live: each node that holds some of the hits' shards reads their
 * text from its own shard copy and runs the model on its share, all at once. So the model work of one global window
 * spreads over the data nodes, one pass per hit whatever the number of shards, and the response's {@code _source}
 * filtering does not matter. Every node runs the model version the coordinating node pinned.
 */
final class DataNodeScoring implements HitScoring {

    private final NodeActions client;
    private final Supplier<DiscoveryNode> localNode;
    private final Supplier<InferenceService> inference;
    private final List<String> fields;
    /** The request's option, which each data node resolves with the model as the coordinating node did. */
    @Nullable
    private final PassageWindows passageWindows;

    @Nullable
    private final Chunks chunks;

    DataNodeScoring(
            NodeActions client,
            Supplier<DiscoveryNode> localNode,
            Supplier<InferenceService> inference,
            List<String> fields,
            @Nullable PassageWindows passageWindows,
            @Nullable Chunks chunks) {
        this.client = client;
        this.localNode = localNode;
        this.inference = inference;
        this.fields = fields;
        this.passageWindows = passageWindows;
        this.chunks = chunks;
    }

    /** The data nodes read {@code _source} from their shards, whatever the response shows. */
    @Override
    public void checkReadable(SearchRequest request) {}

    @Override
    public void score(
            ScoringPlan plan, SearchHit[] hits, InferenceBudget budget, ActionListener<PassageScores> listener) {
        DiscoveryNode local = localNode.get();
        Map<String, List<Integer>> positionsByNode = new LinkedHashMap<>();
        for (int i = 0; i < hits.length; i++) {
            if (hits[i].getShard() == null || hits[i].getShard().getClusterAlias() != null) {
                throw new IllegalArgumentException("[" + CrossEncoderRerankResponseProcessor.TYPE + "] hit ["
                        + hits[i].getId() + "] comes from a shard this cluster cannot score on (none given, or in a "
                        + "remote cluster): set [score_on] [coordinator]");
            }
            positionsByNode
                    .computeIfAbsent(hits[i].getShard().getNodeId(), node -> new ArrayList<>())
                    .add(i);
        }
        // Every data node scores with the files and the transform this node resolved, or refuses.
        ModelSelection pinned = inference.get().models().pin(plan.ensemble().selection());
        List<PassageScores> parts = new ArrayList<>();
        List<int[]> partPositions = new ArrayList<>();
        GroupedActionListener<Boolean> allNodes = new GroupedActionListener<>(
                ActionListener.map(listener, done -> PassageScores.gather(hits.length, parts, partPositions)),
                positionsByNode.size());
        CancellableTask search = budget.task();
        positionsByNode.forEach((nodeId, positions) -> {
            List<ScoreDocumentsRequest.Document> documents = positions.stream()
                    .map(i -> new ScoreDocumentsRequest.Document(
                            hits[i].getShard().getShardId(), hits[i].getId()))
                    .toList();
            ScoreDocumentsRequest request = new ScoreDocumentsRequest(
                    nodeId,
                    pinned,
                    local.getName(),
                    plan.queryText(),
                    fields,
                    documents,
                    budget.remaining(System.nanoTime()),
                    passageWindows,
                    chunks);
            if (search != null) {
                request.setParentTask(new TaskId(local.getId(), search.getId()));
            }
            client.execute(
                    ScoreDocumentsAction.INSTANCE,
                    request,
                    ActionListener.map(allNodes, (ScoreDocumentsResponse response) -> {
                        synchronized (parts) {
                            parts.add(response.scores());
                            partPositions.add(positions.stream()
                                    .mapToInt(Integer::intValue)
                                    .toArray());
                        }
                        return true;
                    }));
        });
    }
}
