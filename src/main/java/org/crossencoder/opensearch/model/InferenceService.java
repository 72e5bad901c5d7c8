package org.crossencoder.opensearch.model;

import ai.onnxruntime.OrtException;

import org.crossencoder.opensearch.settings.CrossEncoderSettings;
import org.opensearch.OpenSearchException;
import org.opensearch.common.settings.ClusterSettings;
import org.opensearch.common.util.concurrent.FutureUtils;
import org.opensearch.core.concurrency.OpenSearchRejectedExecutionException;
import org.opensearch.core.action.ActionListener;
import org.opensearch.threadpool.ThreadPool;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * The node's entry point to its models: finds a model by name and runs its inference on the
 * {@value CrossEncoderSettings#INFERENCE_THREAD_POOL} pool, whose bounded queue rejects work with a 429
 * rather than letting it pile up behind the search threads. Counts what it does in {@link InferenceStats}.
 */
public final class InferenceService {

    private final ModelRegistry registry;
    private final ThreadPool threadPool;
    private final InferenceStats stats = new InferenceStats();
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

    public InferenceStats stats() {
        return stats;
    }

    public int maxWindowSize() {
        return maxWindowSize;
    }

    /** Scores the passages against the query on the inference pool; the calling thread waits for the result. */
    public float[] score(CrossEncoderModel model, String query, List<String> passages) {
        Future<float[]> scores = submit(() -> run(model, query, passages));
        return FutureUtils.get(scores);
    }

    /** Scores on the inference pool and answers the listener from there; for callers that must not block. */
    public void score(CrossEncoderModel model, String query, List<String> passages, ActionListener<float[]> listener) {
        try {
            submit(() -> {
                try {
                    listener.onResponse(run(model, query, passages));
                } catch (Exception e) {
                    listener.onFailure(e);
                }
                return null;
            });
        } catch (Exception e) {
            listener.onFailure(e);
        }
    }

    private <T> Future<T> submit(Callable<T> task) {
        ExecutorService executor = threadPool.executor(CrossEncoderSettings.INFERENCE_THREAD_POOL);
        try {
            return executor.submit(task);
        } catch (OpenSearchRejectedExecutionException e) {
            stats.onRejection();
            throw e;
        }
    }

    private float[] run(CrossEncoderModel model, String query, List<String> passages) {
        long start = System.nanoTime();
        try {
            float[] scores = model.score(query, passages);
            stats.onSuccess(passages.size(), System.nanoTime() - start);
            return scores;
        } catch (OrtException e) {
            stats.onError();
            throw new OpenSearchException("cross-encoder model [{}] failed to run", e, model.name());
        } catch (RuntimeException e) {
            stats.onError();
            throw e;
        }
    }
}
