/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.tier;

import java.io.IOException;
import java.util.Map;
import org.crossencoder.opensearch.engine.ModelWorkTask;
import org.crossencoder.opensearch.scoring.ScoringWork;
import org.opensearch.common.Nullable;
import org.opensearch.common.unit.TimeValue;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.tasks.TaskId;
import org.opensearch.tasks.Task;
import org.opensearch.transport.TransportRequest;

/** Model work a node sends to a node of the reranking tier, with what is left of its request's time. */
final class TierScoreRequest extends TransportRequest {

    private final String workId;
    private final ScoringWork work;

    @Nullable
    private final TimeValue timeout;

    /** {@code workId} names the work to a later {@link TierCancelRequest}. */
    TierScoreRequest(String workId, ScoringWork work, @Nullable TimeValue timeout) {
        this.workId = workId;
        this.work = work;
        this.timeout = timeout;
    }

    TierScoreRequest(StreamInput in) throws IOException {
        super(in);
        this.workId = in.readString();
        this.work = new ScoringWork(in);
        this.timeout = in.readOptionalTimeValue();
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        super.writeTo(out);
        out.writeString(workId);
        work.writeTo(out);
        out.writeOptionalTimeValue(timeout);
    }

    String workId() {
        return workId;
    }

    ScoringWork work() {
        return work;
    }

    @Nullable
    TimeValue timeout() {
        return timeout;
    }

    /** Cancellable, so that cancelling the search or rerank it belongs to (its parent) stops the model work there. */
    @Override
    public Task createTask(long id, String type, String action, TaskId parentTaskId, Map<String, String> headers) {
        return new ModelWorkTask(id, type, action, getDescription(), parentTaskId, headers, true);
    }

    @Override
    public String getDescription() {
        return "score " + work;
    }
}
