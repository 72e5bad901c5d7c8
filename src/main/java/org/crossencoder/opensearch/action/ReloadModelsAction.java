/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.action;

import org.opensearch.action.ActionType;

/** Makes every (or the named) node read its models path again: one step of a reload, see {@link ReloadModelsRequest}. */
public final class ReloadModelsAction extends ActionType<ReloadModelsResponse> {

    public static final String NAME = "cluster:admin/cross_encoder/models/reload";
    public static final ReloadModelsAction INSTANCE = new ReloadModelsAction();

    private ReloadModelsAction() {
        super(NAME, ReloadModelsResponse::new);
    }
}
