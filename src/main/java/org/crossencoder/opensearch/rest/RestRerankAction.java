/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.rest;

import java.io.IOException;
import java.util.List;
import org.crossencoder.opensearch.action.RerankAction;
import org.crossencoder.opensearch.action.RerankRequest;
import org.crossencoder.opensearch.compat.ActionRestHandler;
import org.crossencoder.opensearch.compat.NodeActions;
import org.crossencoder.opensearch.settings.CrossEncoderSettings;
import org.crossencoder.opensearch.settings.DynamicSettings;
import org.opensearch.OpenSearchStatusException;
import org.opensearch.core.common.unit.ByteSizeValue;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.rest.RestRequest;
import org.opensearch.rest.action.RestToXContentListener;

/** {@code POST _plugins/cross_encoder/_rerank}. */
public final class RestRerankAction extends ActionRestHandler {

    private final DynamicSettings settings;

    public RestRerankAction(DynamicSettings settings) {
        this.settings = settings;
    }

    @Override
    public String getName() {
        return "cross_encoder_rerank";
    }

    @Override
    public List<Route> routes() {
        return List.of(new Route(RestRequest.Method.POST, "/_plugins/cross_encoder/_rerank"));
    }

    @Override
    protected RestChannelConsumer prepare(RestRequest request, NodeActions client, NodeActions cancellable)
            throws IOException {
        // Refused before parsing: the body is in memory already, but no copy of it is made.
        ByteSizeValue limit = settings.maxRerankRequestSize();
        if (request.content().length() > limit.getBytes()) {
            throw new OpenSearchStatusException(
                    "[rerank] request body of [{}] is larger than [{}] allows ([{}]): send fewer or shorter texts per call",
                    RestStatus.REQUEST_ENTITY_TOO_LARGE,
                    new ByteSizeValue(request.content().length()),
                    CrossEncoderSettings.RERANK_MAX_REQUEST_SIZE.getKey(),
                    limit);
        }
        RerankRequest rerank;
        try (XContentParser parser = request.contentParser()) {
            rerank = RerankRequest.fromXContent(parser);
        }
        // A client that disconnects cancels the task, and the model stops at its next batch.
        return channel -> cancellable.execute(RerankAction.INSTANCE, rerank, new RestToXContentListener<>(channel));
    }
}
