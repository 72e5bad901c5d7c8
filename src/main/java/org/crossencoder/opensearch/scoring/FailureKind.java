/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.scoring;

import ai.onnxruntime.OrtException;
import java.util.Locale;
import org.opensearch.ExceptionsHelper;
import org.opensearch.core.concurrency.OpenSearchRejectedExecutionException;
import org.opensearch.core.tasks.TaskCancelledException;

/**
 * Why a request the plugin handled failed, as the stats API counts it and as {@code allow_reranker_failures} reports
 * it. Only {@link #BAD_REQUEST} is the client's to fix; the others are the model's or the node's, and a search that
 * allows reranker failures answers them with its first-stage order.
 */
public enum FailureKind {
    /** A 400: the request itself is wrong. */
    BAD_REQUEST,
    /** A 404: no such model on this node (or in ML Commons). */
    MODEL_NOT_FOUND,
    /** A 503: the model failed to load, was unloaded by a reload, or ML Commons could not be read. */
    MODEL_UNAVAILABLE,
    /** The model threw while it ran (ONNX Runtime refused the inputs, ran out of memory...). */
    MODEL_ERROR,
    /** A 429: the inference queue is full. */
    QUEUE_FULL,
    /** Anything else: a fault of the plugin or the node. */
    INTERNAL;

    /** The kind of a failure; {@link #isCancellation} failures are not failures of the plugin and have none. */
    public static FailureKind of(Exception e) {
        Throwable cause = ExceptionsHelper.unwrapCause(e);
        if (cause instanceof OpenSearchRejectedExecutionException) {
            return QUEUE_FULL;
        }
        if (ExceptionsHelper.unwrap(e, OrtException.class) != null) {
            return MODEL_ERROR;
        }
        return switch (ExceptionsHelper.status(cause)) {
            case BAD_REQUEST -> BAD_REQUEST;
            case NOT_FOUND -> MODEL_NOT_FOUND;
            case SERVICE_UNAVAILABLE -> MODEL_UNAVAILABLE;
            case TOO_MANY_REQUESTS -> QUEUE_FULL;
            default -> INTERNAL;
        };
    }

    /** A request cancelled by its client or task: it stopped as asked, it did not fail. */
    public static boolean isCancellation(Exception e) {
        return ExceptionsHelper.unwrap(e, TaskCancelledException.class) != null;
    }

    /** Whether a search that allows reranker failures keeps its first-stage order for this failure. */
    public boolean fallsBackToFirstStage() {
        return this != BAD_REQUEST;
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
