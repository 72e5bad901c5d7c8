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
import org.opensearch.core.common.io.stream.StreamOutput;

/**
 * One step of a reload on the nodes. A reload is two: every node first prepares (loads what is new or changed
 * beside what serves), then every node commits (switches to it). Between the two, every node has both versions
 * loaded, so a search planned with either finds it on every shard.
 */
public final class ReloadModelsRequest extends BaseNodesRequest<ReloadModelsRequest> {

    /** On the wire by name. */
    public enum Step {
        PREPARE,
        COMMIT
    }

    private final Step step;

    public ReloadModelsRequest(Step step, String... nodeIds) {
        super(nodeIds);
        this.step = step;
    }

    public ReloadModelsRequest(StreamInput in) throws IOException {
        super(in);
        step = Step.valueOf(in.readString());
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        super.writeTo(out);
        out.writeString(step.name());
    }

    public Step step() {
        return step;
    }

    /** What one node is sent: the step. */
    public static final class NodeRequest extends NodeRequestBase {
        private final Step step;

        NodeRequest(Step step) {
            this.step = step;
        }

        public NodeRequest(StreamInput in) throws IOException {
            super(in);
            step = Step.valueOf(in.readString());
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            super.writeTo(out);
            out.writeString(step.name());
        }

        Step step() {
            return step;
        }
    }
}
