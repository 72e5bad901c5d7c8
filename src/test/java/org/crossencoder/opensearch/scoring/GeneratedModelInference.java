/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.scoring;

import org.crossencoder.opensearch.engine.CrossEncoderModel;
import org.junit.rules.ExternalResource;
import org.junit.rules.TemporaryFolder;

/**
 * A class rule: the inference service over the model the build generates, run inline ({@link InlineInference}), and
 * that model loaded on its own to score against directly.
 */
public final class GeneratedModelInference extends ExternalResource {

    private final TemporaryFolder folder = new TemporaryFolder();
    private InlineInference inline;

    @Override
    protected void before() throws Throwable {
        folder.create();
        inline = InlineInference.onGeneratedModel(folder.newFolder("models").toPath());
    }

    @Override
    protected void after() {
        if (inline != null) {
            inline.close();
        }
        folder.delete();
    }

    public InferenceService service() {
        return inline.service();
    }

    public CrossEncoderModel reference() {
        return inline.reference();
    }
}
