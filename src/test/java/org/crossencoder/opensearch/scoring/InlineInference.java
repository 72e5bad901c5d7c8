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

    public InferenceService service() {
        return service;
    }

    @Override
    public void close() {
        registry.close();
    }
}
