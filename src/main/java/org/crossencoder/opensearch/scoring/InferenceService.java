/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.scoring;

import org.crossencoder.opensearch.engine.InferenceBudget;
import org.crossencoder.opensearch.engine.InferenceScheduler;
import org.crossencoder.opensearch.ranking.Chunks;
import org.crossencoder.opensearch.ranking.PassageScores;
import org.crossencoder.opensearch.ranking.PassageWindows;
import org.crossencoder.opensearch.registry.ExternalModels;
import org.crossencoder.opensearch.registry.ModelRegistry;
import org.crossencoder.opensearch.settings.CrossEncoderSettings;
import org.crossencoder.opensearch.settings.DynamicSettings;
import org.opensearch.common.Nullable;
import org.opensearch.common.util.concurrent.ThreadContext;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.common.unit.ByteSizeValue;

/**
 * The node's entry point to its models. Every way in (the rescore clause, the response processor, a data node's share
 * of the global window, {@code _rerank}) describes what it asks in a {@link ScoringRequest} and gets back one
 * {@link ScoringPlan}, which scores here or on the reranking tier ({@link ModelTier}); {@link ModelResolver} finds
 * models, {@link RequestLimits} bounds requests. Counts what every request did in {@link InferenceStats}, and what went
 * to or came from the tier in {@link TierStats}.
 */
public final class InferenceService {

    private final ModelResolver models;
    private final RequestLimits limits;
    private final InferenceScheduler scheduler;
    private final InferenceStats stats = new InferenceStats();
    private final ScoreCache cache;
    private final Scorer scorer;
    private final TierStats tierStats = new TierStats();

    @Nullable
    private volatile ModelTier tier;

    public InferenceService(
            ModelRegistry registry,
            ExternalModels external,
            ThreadContext threadContext,
            InferenceScheduler scheduler,
            DynamicSettings settings) {
        this.models = new ModelResolver(registry, external, threadContext, settings);
        this.limits = new RequestLimits(settings);
        this.scheduler = scheduler;
        this.cache = new ScoreCache(ByteSizeValue.ZERO);
        settings.follow(CrossEncoderSettings.CACHE_SIZE, cache::resize);
        this.scorer = new Scorer(scheduler, cache, stats);
    }

    /**
     * Plans a request: checks what needs no model first (before reading any), checks the user's access to its external
     * models where the request entered (not on a node scoring for the one that planned it), reads those this node does
     * not serve yet, then resolves the models and checks what depends on them. The listener gets the plan or the
     * 4xx that says what is wrong with the request.
     */
    public void plan(ScoringRequest request, ActionListener<ScoringPlan> listener) {
        try {
            request.checkBeforeResolving(limits);
        } catch (RuntimeException e) {
            listener.onFailure(e);
            return;
        }
        ActionListener<Void> served =
                ActionListener.wrap(ok -> listener.onResponse(resolve(request)), listener::onFailure);
        if (request.plannedOn() == null) {
            models.ensureServedForUser(request.selection(), served); // where the request entered: the user's access
        } else {
            models.ensureServed(request.selection(), served); // a node scoring for the one that planned it
        }
    }

    /**
     * As {@link #plan}, for a request whose models this node serves already and which cannot wait: a shard's rescore,
     * whose external models were read while the search was rewritten.
     */
    public ScoringPlan planServed(ScoringRequest request) {
        request.checkBeforeResolving(limits);
        return resolve(request);
    }

    private ScoringPlan resolve(ScoringRequest request) {
        Ensemble ensemble = models.ensemble(request.selection(), request.plannedOn());
        // The first model cuts the windows, its defaults filling in what the request leaves out.
        PassageWindows.Resolved windows = ensemble.lead().config().windows(request.windows());
        request.checkResolved(limits, ensemble, windows);
        ModelTier current = tier;
        PairScorer pairs = current != null && current.takesWork() ? new TierScorer(current, scorer, models) : scorer;
        return new ScoringPlan(pairs, ensemble, request.queryText(), windows, request.chunks());
    }

    /** Sends this node's model work to the reranking tier when {@code tier} says so; set once the transport is up. */
    public void useTier(ModelTier tier) {
        this.tier = tier;
    }

    /**
     * Scores work another node sent to this node of the reranking tier, with the model versions that node pinned: on
     * this node, through its score cache and scheduler, never sent on.
     */
    public void scoreSentWork(ScoringWork work, InferenceBudget budget, ActionListener<PassageScores> listener) {
        models.ensureServed(
                work.selection(),
                ActionListener.wrap(
                        served -> {
                            Ensemble ensemble = models.ensemble(work.selection(), work.plannedOn());
                            tierStats.onServed(work.passages());
                            scorer.score(
                                    ensemble,
                                    work.queryText(),
                                    work.texts(),
                                    work.windows(),
                                    work.chunks(),
                                    budget,
                                    listener);
                        },
                        listener::onFailure));
    }

    /** What this node sent to the reranking tier and scored for it. */
    public TierStats tierStats() {
        return tierStats;
    }

    public TierStats.Snapshot tierStatsSnapshot() {
        ModelTier current = tier;
        return tierStats.snapshot(current != null && current.isMember());
    }

    /** A plan of models resolved by the caller: for the tests of this package, which score given ensembles. */
    ScoringPlan plan(Ensemble ensemble, String queryText, @Nullable PassageWindows.Resolved windows) {
        return plan(ensemble, queryText, windows, null);
    }

    ScoringPlan plan(
            Ensemble ensemble, String queryText, @Nullable PassageWindows.Resolved windows, @Nullable Chunks chunks) {
        return new ScoringPlan(scorer, ensemble, queryText, windows, chunks);
    }

    public ModelResolver models() {
        return models;
    }

    public RequestLimits limits() {
        return limits;
    }

    public ModelRegistry registry() {
        return models.registry();
    }

    /** How many requests are running or waiting for this node's models now. */
    public int queued() {
        InferenceScheduler.Load load = scheduler.load();
        return load.running() + load.waiting();
    }

    public InferenceStats.Snapshot stats() {
        return stats.snapshot(scheduler.load());
    }

    public ScoreCache.Stats cacheStats() {
        return cache.stats();
    }

    /**
     * Counts a request this node handled that failed (or was cancelled), by its {@link FailureKind}; every entry point
     * calls it once per request, whatever the failure and wherever it arose.
     */
    public void onFailure(Exception e) {
        stats.onFailure(e);
    }

    /** The listener of a request this node handles, counting its failure (see {@link #onFailure}) before passing it on. */
    public <T> ActionListener<T> counting(ActionListener<T> listener) {
        return ActionListener.wrap(listener::onResponse, e -> {
            onFailure(e);
            listener.onFailure(e);
        });
    }

    /** Counts a request whose reranking failed and that answered with its first-stage order instead. */
    public void onFallback(FailureKind kind) {
        stats.onFallback(kind);
    }
}
