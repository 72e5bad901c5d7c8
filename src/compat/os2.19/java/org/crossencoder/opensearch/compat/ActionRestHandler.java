/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.compat;

import java.io.IOException;
import org.opensearch.client.node.NodeClient;
import org.opensearch.rest.BaseRestHandler;
import org.opensearch.rest.RestRequest;
import org.opensearch.rest.action.RestCancellableNodeClient;

/**
 * A REST handler that runs transport actions through a {@link NodeActions} in place of the node's client.
 * 2.19: handlers are handed an {@code org.opensearch.client.node.NodeClient}; since 3.0 it is
 * {@code org.opensearch.transport.client.node.NodeClient}.
 */
public abstract class ActionRestHandler extends BaseRestHandler {

    @Override
    protected final RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) throws IOException {
        return prepare(
                request, client::execute, new RestCancellableNodeClient(client, request.getHttpChannel())::execute);
    }

    /**
     * As {@link BaseRestHandler#prepareRequest}: {@code client} runs actions; {@code cancellable} runs actions whose
     * tasks are cancelled when the HTTP client disconnects.
     */
    protected abstract RestChannelConsumer prepare(RestRequest request, NodeActions client, NodeActions cancellable)
            throws IOException;
}
