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
    private final ScoreCache cache;
    private volatile int maxWindowSize;

    public InferenceService(ModelRegistry registry, ThreadPool threadPool, ClusterSettings clusterSettings) {
        this.registry = registry;
        this.threadPool = threadPool;
        this.maxWindowSize = clusterSettings.get(CrossEncoderSettings.MAX_WINDOW_SIZE);
        clusterSettings.addSettingsUpdateConsumer(CrossEncoderSettings.MAX_WINDOW_SIZE, value -> this.maxWindowSize = value);
        this.cache = new ScoreCache(clusterSettings.get(CrossEncoderSettings.CACHE_SIZE));
        clusterSettings.addSettingsUpdateConsumer(CrossEncoderSettings.CACHE_SIZE, cache::resize);
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

    public ScoreCache.Stats cacheStats() {
        return cache.stats();
    }

    public int maxWindowSize() {
        return maxWindowSize;
    }

    /**
     * Scores the passages against the query: cached scores at once, the rest on the inference pool while the
     * calling thread waits.
     */
    public float[] score(CrossEncoderModel model, String query, List<String> passages) {
        ScoreCache.Lookup lookup = cache.lookup(model.name(), query, passages);
        if (lookup.missingPassages().isEmpty()) {
            return lookup.complete(new float[0]);
        }
        Future<float[]> scores = submit(() -> run(model, query, lookup.missingPassages()));
        return lookup.complete(FutureUtils.get(scores));
    }

    /** Like {@link #score(CrossEncoderModel, String, List)}, answering the listener instead; for callers that must not block. */
    public void score(CrossEncoderModel model, String query, List<String> passages, ActionListener<float[]> listener) {
        ScoreCache.Lookup lookup = cache.lookup(model.name(), query, passages);
        if (lookup.missingPassages().isEmpty()) {
            listener.onResponse(lookup.complete(new float[0]));
            return;
        }
        try {
            submit(() -> {
                try {
                    listener.onResponse(lookup.complete(run(model, query, lookup.missingPassages())));
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
