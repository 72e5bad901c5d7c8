package org.crossencoder.opensearch.pipeline;

import org.crossencoder.opensearch.model.InferenceService;
import org.opensearch.search.pipeline.Processor;

import java.util.Map;
import java.util.function.Supplier;

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
        Processor.PipelineContext pipelineContext
    ) {
        return create(tag, description, ignoreFailure, new ProcessorConfig(type, tag, config));
    }

    abstract T create(String tag, String description, boolean ignoreFailure, ProcessorConfig options);
}
