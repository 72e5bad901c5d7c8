/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.engine;

import java.util.Map;
import org.opensearch.core.tasks.TaskId;
import org.opensearch.tasks.CancellableTask;

/**
 * The task of a request that runs model work: cancellable, so that cancelling it stops the work between batches (its
 * {@link InferenceBudget} checks it); whether cancelling it also bans its children on other nodes is the request's
 * choice.
 */
public final class ModelWorkTask extends CancellableTask {

    private final boolean cancelsChildren;

    public ModelWorkTask(
            long id,
            String type,
            String action,
            String description,
            TaskId parentTaskId,
            Map<String, String> headers,
            boolean cancelsChildren) {
        super(id, type, action, description, parentTaskId, headers);
        this.cancelsChildren = cancelsChildren;
    }

    @Override
    public boolean shouldCancelChildrenOnCancellation() {
        return cancelsChildren;
    }
}
