/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.action;

import java.io.IOException;
import java.io.UncheckedIOException;
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

/** Runs one reload step on the nodes, on their generic pool (loading a model takes seconds). */
public final class TransportReloadModelsAction
        extends TransportNodesAction<
                ReloadModelsRequest,
                ReloadModelsResponse,
                ReloadModelsRequest.NodeRequest,
                ReloadModelsResponse.NodeResponse> {

    private final InferenceService inference;

    @Inject
    public TransportReloadModelsAction(
            ThreadPool threadPool,
            ClusterService clusterService,
            TransportService transportService,
            ActionFilters actionFilters,
            InferenceService inference) {
        super(
                ReloadModelsAction.NAME,
                threadPool,
                clusterService,
                transportService,
                actionFilters,
                ReloadModelsRequest::new,
                ReloadModelsRequest.NodeRequest::new,
                ThreadPool.Names.GENERIC,
                ReloadModelsResponse.NodeResponse.class);
        this.inference = inference;
    }

    @Override
    protected ReloadModelsResponse newResponse(
            ReloadModelsRequest request,
            List<ReloadModelsResponse.NodeResponse> responses,
            List<FailedNodeException> failures) {
        return new ReloadModelsResponse(clusterService.getClusterName(), responses, failures);
    }

    @Override
    protected ReloadModelsRequest.NodeRequest newNodeRequest(ReloadModelsRequest request) {
        return new ReloadModelsRequest.NodeRequest(request.step());
    }

    @Override
    protected ReloadModelsResponse.NodeResponse newNodeResponse(StreamInput in) throws IOException {
        return new ReloadModelsResponse.NodeResponse(in);
    }

    @Override
    protected ReloadModelsResponse.NodeResponse nodeOperation(ReloadModelsRequest.NodeRequest request) {
        try {
            return new ReloadModelsResponse.NodeResponse(
                    clusterService.localNode(),
                    request.step() == ReloadModelsRequest.Step.PREPARE
                            ? inference.registry().prepare()
                            : inference.registry().commit());
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the cross-encoder models path", e);
        }
    }
}
