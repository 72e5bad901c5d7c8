package org.crossencoder.opensearch.action;

import org.opensearch.action.support.nodes.BaseNodesRequest;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.transport.TransportRequest;

import java.io.IOException;

/** The nodes to ask, by id or name ({@code _all} when empty), as in {@code _nodes/stats}. */
public final class CrossEncoderNodesRequest extends BaseNodesRequest<CrossEncoderNodesRequest> {

    public CrossEncoderNodesRequest(String... nodeIds) {
        super(nodeIds);
    }

    public CrossEncoderNodesRequest(StreamInput in) throws IOException {
        super(in);
    }

    /** What one node is sent: nothing beyond the question itself. */
    public static final class NodeRequest extends TransportRequest {

        public NodeRequest() {}

        public NodeRequest(StreamInput in) throws IOException {
            super(in);
        }
    }
}
