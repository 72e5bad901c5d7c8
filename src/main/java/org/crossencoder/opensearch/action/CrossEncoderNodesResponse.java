/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.action;

import java.io.IOException;
import java.util.List;
import org.opensearch.action.FailedNodeException;
import org.opensearch.action.support.nodes.BaseNodesResponse;
import org.opensearch.cluster.ClusterName;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.xcontent.ToXContentFragment;
import org.opensearch.core.xcontent.XContentBuilder;

/** Every answering node's models and counters, keyed by node id as {@code _nodes/stats} does. */
public final class CrossEncoderNodesResponse extends BaseNodesResponse<CrossEncoderNodeResponse>
        implements ToXContentFragment {

    public CrossEncoderNodesResponse(
            ClusterName clusterName, List<CrossEncoderNodeResponse> nodes, List<FailedNodeException> failures) {
        super(clusterName, nodes, failures);
    }

    public CrossEncoderNodesResponse(StreamInput in) throws IOException {
        super(in);
    }

    @Override
    protected List<CrossEncoderNodeResponse> readNodesFrom(StreamInput in) throws IOException {
        return in.readList(CrossEncoderNodeResponse::new);
    }

    @Override
    protected void writeNodesTo(StreamOutput out, List<CrossEncoderNodeResponse> nodes) throws IOException {
        out.writeList(nodes);
    }

    @Override
    public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
        if (CrossEncoderNodeResponse.MODELS.equals(params.param(CrossEncoderNodeResponse.SECTION))) {
            new ClusterModelsView(getNodes()).toXContent(builder, params);
        }
        builder.startObject("nodes");
        for (CrossEncoderNodeResponse node : getNodes()) {
            node.toXContent(builder, params);
        }
        return builder.endObject();
    }
}
