/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.model;

import ai.onnxruntime.OrtException;
import java.util.List;
import org.crossencoder.opensearch.mlcommons.MlCommonsModels;
import org.crossencoder.opensearch.settings.CrossEncoderSettings;
import org.opensearch.OpenSearchException;
import org.opensearch.OpenSearchStatusException;
import org.opensearch.action.support.PlainActionFuture;
import org.opensearch.common.Nullable;
import org.opensearch.common.settings.ClusterSettings;
import org.opensearch.common.util.concurrent.ThreadContext;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.concurrency.OpenSearchRejectedExecutionException;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.core.tasks.TaskCancelledException;

/**
 * The node's entry point to its models: finds a model by name (in the models path, or in ML Commons for names
 * {@code ml:<model id>}), answers from the {@link ScoreCache} what it
 * can, and hands the rest to the {@link InferenceScheduler}. Counts what it does in {@link InferenceStats}.
 */
public final class InferenceService {

    /** The longest file name Linux file systems allow, so the longest a model directory's name can be. */
    private static final int MAX_MODEL_NAME_LENGTH = 255;

    private final ModelRegistry registry;
    private final MlCommonsModels mlCommons;
    private final ThreadContext threadContext;
    private final InferenceScheduler scheduler;
    private final InferenceStats stats = new InferenceStats();
    private final ScoreCache cache;
    private volatile int maxWindowSize;
    private volatile int maxPairsPerRequest;
    private volatile int maxQueryTextLength;
    private volatile int maxRerankTextLength;
    private volatile String defaultModel;

    public InferenceService(
            ModelRegistry registry,
            MlCommonsModels mlCommons,
            ThreadContext threadContext,
            InferenceScheduler scheduler,
            ClusterSettings clusterSettings) {
        this.registry = registry;
        this.mlCommons = mlCommons;
        this.threadContext = threadContext;
        this.scheduler = scheduler;
        this.maxWindowSize = clusterSettings.get(CrossEncoderSettings.MAX_WINDOW_SIZE);
        clusterSettings.addSettingsUpdateConsumer(
                CrossEncoderSettings.MAX_WINDOW_SIZE, value -> this.maxWindowSize = value);
        this.maxPairsPerRequest = clusterSettings.get(CrossEncoderSettings.MAX_PAIRS_PER_REQUEST);
        clusterSettings.addSettingsUpdateConsumer(
                CrossEncoderSettings.MAX_PAIRS_PER_REQUEST, value -> this.maxPairsPerRequest = value);
        this.maxQueryTextLength = clusterSettings.get(CrossEncoderSettings.MAX_QUERY_TEXT_LENGTH);
        clusterSettings.addSettingsUpdateConsumer(
                CrossEncoderSettings.MAX_QUERY_TEXT_LENGTH, value -> this.maxQueryTextLength = value);
        this.maxRerankTextLength = clusterSettings.get(CrossEncoderSettings.RERANK_MAX_TOTAL_TEXT_LENGTH);
        clusterSettings.addSettingsUpdateConsumer(
                CrossEncoderSettings.RERANK_MAX_TOTAL_TEXT_LENGTH, value -> this.maxRerankTextLength = value);
        this.defaultModel = clusterSettings.get(CrossEncoderSettings.DEFAULT_MODEL);
        clusterSettings.addSettingsUpdateConsumer(
                CrossEncoderSettings.DEFAULT_MODEL, value -> this.defaultModel = value);
        this.cache = new ScoreCache(clusterSettings.get(CrossEncoderSettings.CACHE_SIZE));
        clusterSettings.addSettingsUpdateConsumer(CrossEncoderSettings.CACHE_SIZE, cache::resize);
    }

    /**
     * The named model, or with {@code name} null the one {@link CrossEncoderSettings#DEFAULT_MODEL} names; a 400
     * naming the setting and this node's models when neither is given.
     */
    public CrossEncoderModel model(@Nullable String name) {
        String resolved = name != null ? name : requireDefaultModel();
        checkModelName(resolved);
        return MlCommonsModels.isMlCommonsModel(resolved) ? mlCommons.model(resolved) : registry.get(resolved);
    }

    /** As {@link #model(String)}, first reading an ML Commons model that this node does not serve yet. */
    public void model(@Nullable String name, ActionListener<CrossEncoderModel> listener) {
        String resolved;
        try {
            resolved = name != null ? name : requireDefaultModel();
        } catch (RuntimeException e) {
            listener.onFailure(e);
            return;
        }
        ensureServed(
                resolved, ActionListener.wrap(ignored -> listener.onResponse(model(resolved)), listener::onFailure));
    }

    /** Answers once this node serves the named model: at once for the models path's, after reading it for ML Commons'. */
    public void ensureServed(String name, ActionListener<Void> listener) {
        if (MlCommonsModels.isMlCommonsModel(name)) {
            mlCommons.ensureServed(name, threadContext, listener);
        } else {
            listener.onResponse(null);
        }
    }

    /**
     * The version of the model a request was planned with on node {@code plannedOn} (its {@link ModelInfo#fingerprint()}):
     * one search or rerank must rank everything with the same files. A 503 naming both nodes when this node has other
     * files or settings for it; a 404 or 503 when it does not serve the model at all.
     */
    public CrossEncoderModel plannedModel(String name, String fingerprint, String plannedOn) {
        CrossEncoderModel planned = registry.get(name, fingerprint);
        if (planned != null) {
            return planned;
        }
        CrossEncoderModel here = model(name);
        throw new OpenSearchStatusException(
                "cross-encoder model [{}] on node [{}] has other files or settings than on node [{}], which planned this search ({} here; {} there): "
                        + "one search must rank every shard with the same model. Compare the nodes with GET _plugins/cross_encoder/models, "
                        + "give every node the same model directory and reload the models",
                RestStatus.SERVICE_UNAVAILABLE,
                here.name(),
                registry.nodeName(),
                plannedOn,
                registry.info(name).fingerprint(),
                fingerprint);
    }

    /** Whether this node serves the named model now (any version of it). */
    public boolean serves(String name) {
        ModelInfo info = registry.info(name);
        return info != null && info.loaded();
    }

    /**
     * A model name is looked up among the loaded models, never used as a path; one longer than any directory name
     * can be is refused before it is echoed in an error.
     */
    private static void checkModelName(String name) {
        if (name.length() > MAX_MODEL_NAME_LENGTH) {
            throw new IllegalArgumentException(
                    "[model] is [" + name.length() + "] characters long; a model is named after its "
                            + "directory or its ML Commons id, at most [" + MAX_MODEL_NAME_LENGTH + "] characters");
        }
    }

    /** The cluster's default model name; a 400 naming the setting and this node's models when none is set. */
    public String requireDefaultModel() {
        String fallback = defaultModel;
        if (fallback.isEmpty()) {
            throw new IllegalArgumentException("no [model] given and ["
                    + CrossEncoderSettings.DEFAULT_MODEL.getKey()
                    + "] is not set: name one of the models this node serves "
                    + registry.models().keySet()
                    + ", or set a default model");
        }
        return fallback;
    }

    public ModelRegistry registry() {
        return registry;
    }

    public InferenceStats.Snapshot stats() {
        return stats.snapshot(scheduler.load());
    }

    public ScoreCache.Stats cacheStats() {
        return cache.stats();
    }

    /**
     * Throws a 400 naming {@code what}, the limit and its setting when {@code hits} exceeds
     * {@link CrossEncoderSettings#MAX_WINDOW_SIZE}, or when the pairs they can make, read in {@code windows} (null:
     * one pair each), exceed {@link CrossEncoderSettings#MAX_PAIRS_PER_REQUEST}; {@code remedy} (may be empty)
     * tells the user what to change.
     */
    public void checkPairLimit(int hits, @Nullable PassageWindows.Resolved windows, String what, String remedy) {
        if (hits > maxWindowSize) {
            throw new IllegalArgumentException(what
                    + " ["
                    + hits
                    + "] is too large: each one costs a model pass, and ["
                    + CrossEncoderSettings.MAX_WINDOW_SIZE.getKey()
                    + "] allows at most ["
                    + maxWindowSize
                    + "]"
                    + remedy);
        }
        long pairs = windows == null ? hits : (long) hits * windows.maxWindows();
        if (pairs > maxPairsPerRequest) {
            throw new IllegalArgumentException(what
                    + " ["
                    + hits
                    + "]"
                    + (windows == null
                            ? ""
                            : " read in up to [" + PassageWindows.NAME + "] [max_windows] [" + windows.maxWindows()
                                    + "] windows each")
                    + " can make ["
                    + pairs
                    + "] pairs, each a model pass: ["
                    + CrossEncoderSettings.MAX_PAIRS_PER_REQUEST.getKey()
                    + "] allows at most ["
                    + maxPairsPerRequest
                    + "] per request (and ["
                    + CrossEncoderSettings.MAX_WINDOW_SIZE.getKey()
                    + "] at most ["
                    + maxWindowSize
                    + "] hits)"
                    + (windows == null ? remedy : ": rerank fewer hits or allow fewer windows"));
        }
    }

    /**
     * The windows a request reads passages in with this model ({@code requested}: the request's option, null when it
     * gives none); null when it reads each passage whole. A 400 when the options do not fit the model.
     */
    @Nullable
    public static PassageWindows.Resolved windows(CrossEncoderModel model, @Nullable PassageWindows requested) {
        return PassageWindows.resolve(requested, model.config());
    }

    /** Throws a 400 naming {@code where} when the query text is longer than {@link CrossEncoderSettings#MAX_QUERY_TEXT_LENGTH}. */
    public void checkQueryText(String queryText, String where) {
        if (queryText.length() > maxQueryTextLength) {
            throw new IllegalArgumentException(where
                    + " [query_text] is ["
                    + queryText.length()
                    + "] characters long; ["
                    + CrossEncoderSettings.MAX_QUERY_TEXT_LENGTH.getKey()
                    + "] allows at most ["
                    + maxQueryTextLength
                    + "]: the model reads only its first tokens anyway");
        }
    }

    /** Throws a 400 when the texts of a {@code _rerank} call hold more characters than its setting allows. */
    public void checkRerankTextLength(List<String> texts) {
        long total = texts.stream().mapToLong(String::length).sum();
        if (total > maxRerankTextLength) {
            throw new IllegalArgumentException("[rerank] [texts] hold ["
                    + total
                    + "] characters together; ["
                    + CrossEncoderSettings.RERANK_MAX_TOTAL_TEXT_LENGTH.getKey()
                    + "] allows at most ["
                    + maxRerankTextLength
                    + "]: the model reads only the first tokens of each text, so send those");
        }
    }

    /**
     * Scores the passages against the query within the budget: cached scores at once, the rest through the
     * scheduler. With {@code windows}, each passage is first cut into its windows (on the scheduler too), each window
     * is a pair, and the windows' scores make the passage's. The listener gets every score, or those reached before
     * the budget's deadline.
     */
    public void score(
            CrossEncoderModel model,
            String query,
            List<String> passages,
            @Nullable PassageWindows.Resolved windows,
            InferenceBudget budget,
            ActionListener<PassageScores> listener) {
        if (windows == null) {
            scorePairs(model, query, passages, budget, listener);
            return;
        }
        run(
                model,
                new PassageSplitting(model, passages, windows),
                budget,
                ActionListener.wrap(
                        split -> scorePairs(
                                model,
                                query,
                                split.windowTexts(),
                                budget,
                                ActionListener.map(listener, split::combine)),
                        e -> listener.onFailure(counted(model, e))));
    }

    private void scorePairs(
            CrossEncoderModel model,
            String query,
            List<String> passages,
            InferenceBudget budget,
            ActionListener<PassageScores> listener) {
        ScoreCache.Lookup lookup = cache.lookup(model, query, passages);
        if (lookup.isComplete()) {
            listener.onResponse(lookup.cached());
            return;
        }
        long start = System.nanoTime();
        run(
                model,
                new PairScoring(model, query, lookup.missingPassages()),
                budget,
                ActionListener.wrap(
                        fromModel -> {
                            stats.onSuccess(fromModel.scoredCount(), System.nanoTime() - start, fromModel.timedOut());
                            listener.onResponse(lookup.complete(fromModel));
                        },
                        e -> listener.onFailure(counted(model, e))));
    }

    /** Runs work that uses the model through the scheduler, holding the model meanwhile. */
    private <T> void run(
            CrossEncoderModel model,
            InferenceScheduler.Work<T> work,
            InferenceBudget budget,
            ActionListener<T> listener) {
        // A reload may retire this version while the work runs.
        if (model.tryIncRef() == false) {
            listener.onFailure(new OpenSearchStatusException(
                    "cross-encoder model [{}] was unloaded by a reload; retry the request",
                    RestStatus.SERVICE_UNAVAILABLE,
                    model.name()));
            return;
        }
        scheduler.submit(work, budget, ActionListener.runBefore(listener, model::decRef));
    }

    /**
     * As {@link #score(CrossEncoderModel, String, List, PassageWindows.Resolved, InferenceBudget, ActionListener)},
     * waiting for the result: for the rescorer, which OpenSearch runs synchronously on a search thread.
     */
    public PassageScores scoreAndWait(
            CrossEncoderModel model,
            String query,
            List<String> passages,
            @Nullable PassageWindows.Resolved windows,
            InferenceBudget budget) {
        PlainActionFuture<PassageScores> future = PlainActionFuture.newFuture();
        score(model, query, passages, windows, budget, future);
        return future.actionGet();
    }

    private Exception counted(CrossEncoderModel model, Exception e) {
        if (e instanceof OpenSearchRejectedExecutionException) {
            stats.onRejection();
            return e;
        }
        if (e instanceof TaskCancelledException) {
            stats.onCancellation();
            return e;
        }
        stats.onError();
        if (e instanceof OrtException) {
            return new OpenSearchException("cross-encoder model [{}] failed to run", e, model.name());
        }
        return e;
    }
}
