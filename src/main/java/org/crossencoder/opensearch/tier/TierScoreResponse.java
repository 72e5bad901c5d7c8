/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.tier;

import java.io.IOException;
import org.crossencoder.opensearch.ranking.PassageScores;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.transport.TransportResponse;

/**
 * The scores a node of the tier answers, how long it spent on them (so the sender knows what the transfer cost), and
 * how many requests it had running or waiting for its model when it answered (so the sender knows its load).
 */
final class TierScoreResponse extends TransportResponse {

    private final PassageScores scores;
    private final long tookNanos;
    private final int load;

    TierScoreResponse(PassageScores scores, long tookNanos, int load) {
        this.scores = scores;
        this.tookNanos = tookNanos;
        this.load = load;
    }

    TierScoreResponse(StreamInput in) throws IOException {
        super(in);
        this.scores = new PassageScores(in);
        this.tookNanos = in.readVLong();
        this.load = in.readVInt();
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        scores.writeTo(out);
        out.writeVLong(tookNanos);
        out.writeVInt(load);
    }

    PassageScores scores() {
        return scores;
    }

    long tookNanos() {
        return tookNanos;
    }

    int load() {
        return load;
    }
}
