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

/** Search tasks as a request's work sees them, without a task manager. */
public final class TestTasks {

    private TestTasks() {}

    /** A running task the test may cancel. */
    public static CancellableTask task() {
        return new CancellableTask(
                1, "transport", "cluster:admin/cross_encoder/rerank", "test", TaskId.EMPTY_TASK_ID, Map.of()) {
            @Override
            public boolean shouldCancelChildrenOnCancellation() {
                return false;
            }
        };
    }

    /** A task its client has cancelled already. */
    public static CancellableTask cancelled() {
        CancellableTask task = task();
        task.cancel("by the test");
        return task;
    }
}
