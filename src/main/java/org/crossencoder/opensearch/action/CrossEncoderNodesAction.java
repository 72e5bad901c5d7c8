/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.action;

import org.opensearch.action.ActionType;

/** Asks every (or the named) node for its models and inference counters. */
public final class CrossEncoderNodesAction extends ActionType<CrossEncoderNodesResponse> {

    public static final String NAME = "cluster:monitor/cross_encoder/nodes";
    public static final CrossEncoderNodesAction INSTANCE = new CrossEncoderNodesAction();

    private CrossEncoderNodesAction() {
        super(NAME, CrossEncoderNodesResponse::new);
    }
}
