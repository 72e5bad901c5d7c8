/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.rest;

import static org.opensearch.rest.RestRequest.Method.GET;

import java.util.List;
import java.util.Map;
import org.crossencoder.opensearch.action.CrossEncoderNodeResponse;
import org.crossencoder.opensearch.action.CrossEncoderNodesAction;
import org.crossencoder.opensearch.action.CrossEncoderNodesRequest;
import org.crossencoder.opensearch.action.CrossEncoderNodesResponse;
import org.crossencoder.opensearch.compat.ActionRestHandler;
import org.crossencoder.opensearch.compat.NodeActions;
import org.opensearch.core.common.Strings;
import org.opensearch.core.xcontent.ToXContent;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.rest.RestRequest;
import org.opensearch.rest.RestResponse;
import org.opensearch.rest.action.RestActions;
import org.opensearch.rest.action.RestBuilderListener;

/**
 * {@code GET _plugins/cross_encoder/models} and {@code GET _plugins/cross_encoder/stats}, optionally for
 * some nodes ({@code _plugins/cross_encoder/{node_id}/stats}), in the layout of {@code _nodes/stats}.
 */
public final class RestCrossEncoderNodesAction extends ActionRestHandler {

    @Override
    public String getName() {
        return "cross_encoder_nodes";
    }

    @Override
    public List<Route> routes() {
        return List.of(
                new Route(GET, "/_plugins/cross_encoder/models"),
                new Route(GET, "/_plugins/cross_encoder/stats"),
                new Route(GET, "/_plugins/cross_encoder/{node_id}/models"),
                new Route(GET, "/_plugins/cross_encoder/{node_id}/stats"));
    }

    @Override
    protected RestChannelConsumer prepare(RestRequest request, NodeActions client, NodeActions cancellable) {
        String[] nodeIds = Strings.splitStringByCommaToArray(request.param("node_id"));
        String section =
                request.path().endsWith("/models") ? CrossEncoderNodeResponse.MODELS : CrossEncoderNodeResponse.STATS;
        ToXContent.Params params =
                new ToXContent.DelegatingMapParams(Map.of(CrossEncoderNodeResponse.SECTION, section), request);
        return channel -> client.execute(
                CrossEncoderNodesAction.INSTANCE,
                new CrossEncoderNodesRequest(nodeIds),
                new RestBuilderListener<>(channel) {
                    @Override
                    public RestResponse buildResponse(CrossEncoderNodesResponse response, XContentBuilder builder)
                            throws Exception {
                        return RestActions.nodesResponse(builder, params, response);
                    }
                });
    }
}
