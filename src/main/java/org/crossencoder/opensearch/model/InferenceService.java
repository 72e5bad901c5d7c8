package org.crossencoder.opensearch.model;

import org.crossencoder.opensearch.settings.CrossEncoderSettings;
import ai.onnxruntime.OrtException;

import org.opensearch.OpenSearchException;
import org.opensearch.common.settings.ClusterSettings;
import org.opensearch.common.util.concurrent.FutureUtils;
import org.opensearch.threadpool.ThreadPool;

import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * The node's entry point to its models: finds a model by name and runs its inference on the
 * {@value CrossEncoderSettings#INFERENCE_THREAD_POOL} pool, whose bounded queue rejects work with a 429
 * rather than letting it pile up behind the search threads.
 */
public final class InferenceService {

    private final ModelRegistry registry;
    private final ThreadPool threadPool;
    private volatile int maxWindowSize;

    public InferenceService(ModelRegistry registry, ThreadPool threadPool, ClusterSettings clusterSettings) {
        this.registry = registry;
        this.threadPool = threadPool;
        this.maxWindowSize = clusterSettings.get(CrossEncoderSettings.MAX_WINDOW_SIZE);
        clusterSettings.addSettingsUpdateConsumer(CrossEncoderSettings.MAX_WINDOW_SIZE, value -> this.maxWindowSize = value);
    }

    public CrossEncoderModel model(String name) {
        return registry.get(name);
    }

    public ModelRegistry registry() {
        return registry;
    }

    public int maxWindowSize() {
        return maxWindowSize;
    }

    /** Scores the passages against the query on the inference pool; the calling thread waits for the result. */
    public float[] score(CrossEncoderModel model, String query, List<String> passages) {
        ExecutorService executor = threadPool.executor(CrossEncoderSettings.INFERENCE_THREAD_POOL);
        Future<float[]> scores = executor.submit(() -> {
            try {
                return model.score(query, passages);
            } catch (OrtException e) {
                throw new OpenSearchException("cross-encoder model [{}] failed to run", e, model.name());
            }
        });
        return FutureUtils.get(scores);
    }
}
