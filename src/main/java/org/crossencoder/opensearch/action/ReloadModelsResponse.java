/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.action;

import java.io.IOException;
import java.util.List;
import org.crossencoder.opensearch.registry.ReloadOutcome;
import org.opensearch.action.FailedNodeException;
import org.opensearch.action.support.nodes.BaseNodeResponse;
import org.opensearch.action.support.nodes.BaseNodesResponse;
import org.opensearch.cluster.ClusterName;
import org.opensearch.cluster.node.DiscoveryNode;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.xcontent.ToXContentFragment;
import org.opensearch.core.xcontent.XContentBuilder;

/** Per node, what the reload step did to each model: loaded, replaced, removed, failed (with the error) or unchanged. */
public final class ReloadModelsResponse extends BaseNodesResponse<ReloadModelsResponse.NodeResponse>
        implements ToXContentFragment {

    public ReloadModelsResponse(ClusterName clusterName, List<NodeResponse> nodes, List<FailedNodeException> failures) {
        super(clusterName, nodes, failures);
    }

    public ReloadModelsResponse(StreamInput in) throws IOException {
        super(in);
    }

    @Override
    protected List<NodeResponse> readNodesFrom(StreamInput in) throws IOException {
        return in.readList(NodeResponse::new);
    }

    @Override
    protected void writeNodesTo(StreamOutput out, List<NodeResponse> nodes) throws IOException {
        out.writeList(nodes);
    }

    @Override
    public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
        builder.startObject("nodes");
        for (NodeResponse node : getNodes()) {
            builder.startObject(node.getNode().getId())
                    .field("name", node.getNode().getName())
                    .startArray("models");
            for (ReloadOutcome outcome : node.outcomes()) {
                outcome.toXContent(builder, params);
            }
            builder.endArray().endObject();
        }
        return builder.endObject();
    }

    /** One node's outcomes. */
    public static final class NodeResponse extends BaseNodeResponse {
        private final List<ReloadOutcome> outcomes;

        NodeResponse(DiscoveryNode node, List<ReloadOutcome> outcomes) {
            super(node);
            this.outcomes = outcomes;
        }

        public NodeResponse(StreamInput in) throws IOException {
            super(in);
            outcomes = in.readList(ReloadOutcome::new);
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            super.writeTo(out);
            out.writeList(outcomes);
        }

        public List<ReloadOutcome> outcomes() {
            return outcomes;
        }
    }
}
