/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.tier;

import java.io.IOException;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.transport.TransportRequest;

/**
 * Asks a node of the tier to cancel work it was sent, whose request was cancelled on the sender. Needed beside task
 * bans: a shard's search task and a rerank's task do not cancel their children, so no ban reaches the tier node.
 */
final class TierCancelRequest extends TransportRequest {

    private final String workId;
    private final String sender;

    TierCancelRequest(String workId, String sender) {
        this.workId = workId;
        this.sender = sender;
    }

    TierCancelRequest(StreamInput in) throws IOException {
        super(in);
        this.workId = in.readString();
        this.sender = in.readString();
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        super.writeTo(out);
        out.writeString(workId);
        out.writeString(sender);
    }

    String workId() {
        return workId;
    }

    String sender() {
        return sender;
    }
}
