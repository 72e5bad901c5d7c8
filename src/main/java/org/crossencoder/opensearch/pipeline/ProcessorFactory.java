/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.pipeline;

import java.util.Map;
import java.util.function.Supplier;
import org.crossencoder.opensearch.scoring.InferenceService;
import org.opensearch.search.pipeline.Processor;

/** What both cross-encoder processor factories share: the node's inference service and reading the config. */
abstract class ProcessorFactory<T extends Processor> implements Processor.Factory<T> {

    private final String type;
    protected final Supplier<InferenceService> inference;

    ProcessorFactory(String type, Supplier<InferenceService> inference) {
        this.type = type;
        this.inference = inference;
    }

    @Override
    public final T create(
            Map<String, Processor.Factory<T>> processorFactories,
            String tag,
            String description,
            boolean ignoreFailure,
            Map<String, Object> config,
            Processor.PipelineContext pipelineContext) {
        // A pipeline being stored is checked against the node handling the PUT (or a search that defines its own
        // pipeline); when the stored pipeline reaches the other nodes, a node without the model still takes it, and
        // searches it coordinates say which model it lacks.
        boolean checkModel = pipelineContext.getPipelineSource() != Processor.PipelineSource.UPDATE_PIPELINE;
        return create(
                tag,
                description,
                ignoreFailure,
                new ProcessorConfig(type, tag, config, checkModel ? inference.get() : null));
    }

    abstract T create(String tag, String description, boolean ignoreFailure, ProcessorConfig options);
}
