/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.action;

import org.opensearch.action.ActionType;

/** Scores texts against a query with a node's model, without a search. */
public final class RerankAction extends ActionType<RerankResponse> {

    public static final String NAME = "cluster:admin/cross_encoder/rerank";
    public static final RerankAction INSTANCE = new RerankAction();

    private RerankAction() {
        super(NAME, RerankResponse::new);
    }
}
