/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.registry;

import org.crossencoder.opensearch.engine.CrossEncoderModel;
import org.opensearch.common.util.concurrent.ThreadContext;
import org.opensearch.core.action.ActionListener;

/**
 * Models a node serves from outside its models path, named {@value ModelRegistry#EXTERNAL_PREFIX}{@code <id>}: ML
 * Commons' (the {@code mlcommons} package implements this, so models depend on no source of models).
 */
public interface ExternalModels {

    static boolean isExternal(String name) {
        return name.startsWith(ModelRegistry.EXTERNAL_PREFIX);
    }

    /** The model as this node serves it now; a 4xx or 503 naming it when it does not. */
    CrossEncoderModel model(String name);

    /** Answers once this node serves the model, reading it first if it must (as the user in {@code threadContext}). */
    void ensureServed(String name, ThreadContext threadContext, ActionListener<Void> listener);

    /**
     * Answers whether the user of the calling thread context may use the model as its source lets them read it: a 403
     * naming the model and what it needs when not.
     */
    void checkAccess(String name, ActionListener<Void> listener);
}
