/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.engine;

import org.opensearch.common.Nullable;
import org.opensearch.common.unit.TimeValue;
import org.opensearch.core.tasks.TaskCancelledException;
import org.opensearch.tasks.CancellableTask;

/**
 * What one request may still spend on the model: it stops when its task is cancelled, and no new batch of it
 * starts after its deadline. The {@link InferenceScheduler} checks both between batches.
 */
public final class InferenceBudget {

    /** No task to watch and no time limit. */
    public static final InferenceBudget UNLIMITED = new InferenceBudget(null, false, 0);

    @Nullable
    private final CancellableTask task;

    private final boolean hasDeadline;
    private final long deadlineNanos;

    private InferenceBudget(@Nullable CancellableTask task, boolean hasDeadline, long deadlineNanos) {
        this.task = task;
        this.hasDeadline = hasDeadline;
        this.deadlineNanos = deadlineNanos;
    }

    /**
     * The budget of a request that belongs to {@code task} (may be null) and may run for {@code timeout} (null or
     * negative for none) counted from {@code startNanos}, a {@link System#nanoTime()} reading.
     */
    public static InferenceBudget of(@Nullable CancellableTask task, @Nullable TimeValue timeout, long startNanos) {
        boolean limited = timeout != null && timeout.nanos() >= 0;
        return new InferenceBudget(task, limited, limited ? startNanos + timeout.nanos() : 0);
    }

    /** Throws the exception OpenSearch's own search phases throw for a cancelled task. */
    public void ensureNotCancelled() {
        if (isCancelled()) {
            throw new TaskCancelledException("cancelled task with reason: " + task.getReasonCancelled());
        }
    }

    public boolean isCancelled() {
        return task != null && task.isCancelled();
    }

    /** The task the work belongs to, if any: work done elsewhere for it runs as its child. */
    @Nullable
    public CancellableTask task() {
        return task;
    }

    /** The time left at {@code nowNanos} (zero once passed), or null without a time limit: for work sent elsewhere. */
    @Nullable
    public TimeValue remaining(long nowNanos) {
        return hasDeadline ? TimeValue.timeValueNanos(Math.max(0, deadlineNanos - nowNanos)) : null;
    }

    /** Whether the time limit has passed at {@code nowNanos}. */
    public boolean isExpired(long nowNanos) {
        return hasDeadline && nowNanos - deadlineNanos >= 0;
    }
}
