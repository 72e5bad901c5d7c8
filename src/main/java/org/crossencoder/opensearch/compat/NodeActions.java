/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.compat;

import org.opensearch.action.ActionRequest;
import org.opensearch.action.ActionType;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.action.ActionResponse;

/**
 * Runs a transport action from this node: all the plugin asks of OpenSearch's {@code Client}, whose package moved in
 * 3.0 ({@code org.opensearch.client} to {@code org.opensearch.transport.client}). Code common to every OpenSearch
 * version takes this instead, and makes one from a client as {@code client::execute}, which compiles against either
 * package since it never names the type.
 */
@FunctionalInterface
public interface NodeActions {

    <Request extends ActionRequest, Response extends ActionResponse> void execute(
            ActionType<Response> action, Request request, ActionListener<Response> listener);
}
