/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.action;

import java.io.IOException;
import org.crossencoder.opensearch.compat.NodeRequestBase;
import org.opensearch.action.support.nodes.BaseNodesRequest;
import org.opensearch.core.common.io.stream.StreamInput;

/** The nodes to ask, by id or name ({@code _all} when empty), as in {@code _nodes/stats}. */
public final class CrossEncoderNodesRequest extends BaseNodesRequest<CrossEncoderNodesRequest> {

    public CrossEncoderNodesRequest(String... nodeIds) {
        super(nodeIds);
    }

    public CrossEncoderNodesRequest(StreamInput in) throws IOException {
        super(in);
    }

    /** What one node is sent: nothing beyond the question itself. */
    public static final class NodeRequest extends NodeRequestBase {

        public NodeRequest() {}

        public NodeRequest(StreamInput in) throws IOException {
            super(in);
        }
    }
}
