/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.rest;

import static org.opensearch.rest.RestRequest.Method.POST;

import java.util.List;
import org.crossencoder.opensearch.action.ReloadModelsAction;
import org.crossencoder.opensearch.action.ReloadModelsRequest;
import org.crossencoder.opensearch.action.ReloadModelsResponse;
import org.crossencoder.opensearch.compat.ActionRestHandler;
import org.crossencoder.opensearch.compat.NodeActions;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.common.Strings;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.rest.RestRequest;
import org.opensearch.rest.RestResponse;
import org.opensearch.rest.action.RestActions;
import org.opensearch.rest.action.RestBuilderListener;

/**
 * {@code POST _plugins/cross_encoder/models/_reload} (or {@code _plugins/cross_encoder/{node_id}/models/_reload}):
 * every node reads its models path again and loads new and changed models, then every node switches to them.
 * Answers, per node, what changed; in the layout of {@code _nodes/reload_secure_settings}.
 */
public final class RestReloadModelsAction extends ActionRestHandler {

    @Override
    public String getName() {
        return "cross_encoder_reload_models";
    }

    @Override
    public List<Route> routes() {
        return List.of(
                new Route(POST, "/_plugins/cross_encoder/models/_reload"),
                new Route(POST, "/_plugins/cross_encoder/{node_id}/models/_reload"));
    }

    @Override
    protected RestChannelConsumer prepare(RestRequest request, NodeActions client, NodeActions cancellable) {
        String[] nodeIds = Strings.splitStringByCommaToArray(request.param("node_id"));
        return channel -> {
            RestBuilderListener<ReloadModelsResponse> answer = new RestBuilderListener<>(channel) {
                @Override
                public RestResponse buildResponse(ReloadModelsResponse response, XContentBuilder builder)
                        throws Exception {
                    return RestActions.nodesResponse(builder, request, response);
                }
            };
            client.execute(
                    ReloadModelsAction.INSTANCE,
                    new ReloadModelsRequest(ReloadModelsRequest.Step.PREPARE, nodeIds),
                    ActionListener.wrap(
                            prepared -> {
                                if (prepared.getNodes().isEmpty()) {
                                    answer.onResponse(prepared);
                                    return;
                                }
                                // Every node that prepared commits (and no other: no node ids would mean all of them).
                                // The answer
                                // is what the prepare step found.
                                String[] preparedNodes = prepared.getNodes().stream()
                                        .map(node -> node.getNode().getId())
                                        .toArray(String[]::new);
                                client.execute(
                                        ReloadModelsAction.INSTANCE,
                                        new ReloadModelsRequest(ReloadModelsRequest.Step.COMMIT, preparedNodes),
                                        ActionListener.wrap(
                                                committed -> answer.onResponse(prepared), answer::onFailure));
                            },
                            answer::onFailure));
        };
    }
}
