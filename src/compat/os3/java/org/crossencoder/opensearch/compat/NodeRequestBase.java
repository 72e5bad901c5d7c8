/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.compat;

import java.io.IOException;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.transport.TransportRequest;

/**
 * The request a nodes action sends each node. Since 3.0: {@code TransportNodesAction} wants a
 * {@code TransportRequest} (on 2.19 a {@code BaseNodeRequest}).
 */
public abstract class NodeRequestBase extends TransportRequest {

    protected NodeRequestBase() {}

    protected NodeRequestBase(StreamInput in) throws IOException {
        super(in);
    }
}
