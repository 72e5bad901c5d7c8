/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.action;

import java.io.IOException;
import java.util.List;
import org.crossencoder.opensearch.scoring.InferenceService;
import org.opensearch.action.FailedNodeException;
import org.opensearch.action.support.ActionFilters;
import org.opensearch.action.support.nodes.TransportNodesAction;
import org.opensearch.cluster.service.ClusterService;
import org.opensearch.common.inject.Inject;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.threadpool.ThreadPool;
import org.opensearch.transport.TransportService;

/** Collects {@link CrossEncoderNodeResponse}s from the nodes, on their management pool. */
public final class TransportCrossEncoderNodesAction
        extends TransportNodesAction<
                CrossEncoderNodesRequest,
                CrossEncoderNodesResponse,
                CrossEncoderNodesRequest.NodeRequest,
                CrossEncoderNodeResponse> {

    private final InferenceService inference;

    @Inject
    public TransportCrossEncoderNodesAction(
            ThreadPool threadPool,
            ClusterService clusterService,
            TransportService transportService,
            ActionFilters actionFilters,
            InferenceService inference) {
        super(
                CrossEncoderNodesAction.NAME,
                threadPool,
                clusterService,
                transportService,
                actionFilters,
                CrossEncoderNodesRequest::new,
                CrossEncoderNodesRequest.NodeRequest::new,
                ThreadPool.Names.MANAGEMENT,
                CrossEncoderNodeResponse.class);
        this.inference = inference;
    }

    @Override
    protected CrossEncoderNodesResponse newResponse(
            CrossEncoderNodesRequest request,
            List<CrossEncoderNodeResponse> responses,
            List<FailedNodeException> failures) {
        return new CrossEncoderNodesResponse(clusterService.getClusterName(), responses, failures);
    }

    @Override
    protected CrossEncoderNodesRequest.NodeRequest newNodeRequest(CrossEncoderNodesRequest request) {
        return new CrossEncoderNodesRequest.NodeRequest();
    }

    @Override
    protected CrossEncoderNodeResponse newNodeResponse(StreamInput in) throws IOException {
        return new CrossEncoderNodeResponse(in);
    }

    @Override
    protected CrossEncoderNodeResponse nodeOperation(CrossEncoderNodesRequest.NodeRequest request) {
        return new CrossEncoderNodeResponse(
                clusterService.localNode(),
                inference.registry().describe(),
                inference.stats(),
                inference.cacheStats(),
                inference.tierStatsSnapshot());
    }
}
