/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.compat;

import java.io.IOException;
import org.opensearch.action.support.nodes.BaseNodeRequest;
import org.opensearch.core.common.io.stream.StreamInput;

/**
 * The request a nodes action sends each node. 2.19: {@code TransportNodesAction} wants a {@code BaseNodeRequest}
 * (deprecated there, and gone since 3.0, where it wants a {@code TransportRequest}).
 */
@SuppressWarnings("deprecation")
public abstract class NodeRequestBase extends BaseNodeRequest {

    protected NodeRequestBase() {}

    protected NodeRequestBase(StreamInput in) throws IOException {
        super(in);
    }
}
