/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.action;

import java.io.IOException;
import org.crossencoder.opensearch.ranking.PassageScores;
import org.opensearch.core.action.ActionResponse;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;

/** The model's scores of the requested documents, in request order (those reached, when a time limit stopped it). */
public final class ScoreDocumentsResponse extends ActionResponse {

    private final PassageScores scores;

    public ScoreDocumentsResponse(PassageScores scores) {
        this.scores = scores;
    }

    public ScoreDocumentsResponse(StreamInput in) throws IOException {
        super(in);
        this.scores = new PassageScores(in);
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        scores.writeTo(out);
    }

    public PassageScores scores() {
        return scores;
    }
}
