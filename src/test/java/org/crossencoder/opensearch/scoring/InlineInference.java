/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.scoring;

import java.io.Closeable;
import java.nio.file.Path;
import java.util.HashSet;
import org.crossencoder.opensearch.engine.CrossEncoderModel;
import org.crossencoder.opensearch.engine.GeneratedTinyModel;
import org.crossencoder.opensearch.engine.InferenceScheduler;
import org.crossencoder.opensearch.mlcommons.MlCommonsModels;
import org.crossencoder.opensearch.registry.ModelRegistry;
import org.crossencoder.opensearch.settings.CrossEncoderSettings;
import org.crossencoder.opensearch.settings.DynamicSettings;
import org.opensearch.common.settings.ClusterSettings;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.unit.TimeValue;
import org.opensearch.common.util.concurrent.ThreadContext;

/**
 * A node's inference service without a node, over the models of a directory, with default settings. Every step runs
 * on the submitting thread, so a listener is answered before {@code score} returns. No ML Commons: tests that use this
 * name the models path's models only ({@code MlCommonsModelsTests} covers the rest).
 */
public final class InlineInference implements Closeable {

    private final ModelRegistry registry;
    private final InferenceService service;
    /** The generated model loaded on its own, to score against directly; null unless {@link #onGeneratedModel}. */
    private CrossEncoderModel reference;

    public InlineInference(Path models, CrossEncoderModel.InferenceOptions options) throws Exception {
        this.registry = ModelRegistry.load(models, "node-1", options, Runnable::run, () -> -1);
        this.service = new InferenceService(
                registry,
                new MlCommonsModels(null, registry, null, null, () -> TimeValue.timeValueSeconds(10)),
                new ThreadContext(Settings.EMPTY),
                new InferenceScheduler(
                        "node-1", "cross_encoder_inference", Runnable::run, Runnable::run, 1, 10, System::nanoTime),
                new DynamicSettings(new ClusterSettings(Settings.EMPTY, new HashSet<>(CrossEncoderSettings.all()))));
    }

    /**
     * The service over the model the build generates, written into {@code directory}, in batches of 4, with the same
     * model loaded on its own as {@link #reference()}.
     */
    public static InlineInference onGeneratedModel(Path directory) throws Exception {
        GeneratedTinyModel.writeTo(directory);
        CrossEncoderModel.InferenceOptions options = new CrossEncoderModel.InferenceOptions(4, 1);
        InlineInference inline = new InlineInference(directory, options);
        inline.reference =
                CrossEncoderModel.load(GeneratedTinyModel.NAME, directory.resolve(GeneratedTinyModel.NAME), options);
        return inline;
    }

    public InferenceService service() {
        return service;
    }

    public CrossEncoderModel reference() {
        return reference;
    }

    @Override
    public void close() {
        registry.close();
        if (reference != null) {
            reference.close();
        }
    }
}
