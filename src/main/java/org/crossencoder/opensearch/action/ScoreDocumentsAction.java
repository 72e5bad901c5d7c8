/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.action;

import org.opensearch.action.ActionType;

/**
 * Scores documents on the node that holds their shards: the {@code cross_encoder_rerank} response processor's model
 * work spread over the data nodes. An index read action, so a role that may search the indices may run it.
 */
public final class ScoreDocumentsAction extends ActionType<ScoreDocumentsResponse> {

    public static final String NAME = "indices:data/read/cross_encoder/score";
    public static final ScoreDocumentsAction INSTANCE = new ScoreDocumentsAction();

    private ScoreDocumentsAction() {
        super(NAME, ScoreDocumentsResponse::new);
    }
}
