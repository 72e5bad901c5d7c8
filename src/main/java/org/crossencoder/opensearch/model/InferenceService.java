/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.model;

import ai.onnxruntime.OrtException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.crossencoder.opensearch.mlcommons.MlCommonsModels;
import org.crossencoder.opensearch.settings.CrossEncoderSettings;
import org.opensearch.OpenSearchException;
import org.opensearch.OpenSearchStatusException;
import org.opensearch.action.support.GroupedActionListener;
import org.opensearch.action.support.PlainActionFuture;
import org.opensearch.common.Nullable;
import org.opensearch.common.settings.ClusterSettings;
import org.opensearch.common.util.concurrent.ThreadContext;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.rest.RestStatus;

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

    /**
     * The models a request selected, as this node serves them: the versions pinned in the selection when a coordinating
     * node ({@code plannedOn}) pinned them, else the ones serving here. A 400 when the models disagree on whether they
     * score with probabilities and the request does not say.
     */
    public Ensemble ensemble(ModelSelection selection, @Nullable String plannedOn) {
        List<Ensemble.Member> members = new ArrayList<>(selection.size());
        for (ModelSelection.Member member : members(selection)) {
            CrossEncoderModel model = member.fingerprint() == null
                    ? model(member.name())
                    : plannedModel(member.name(), member.fingerprint(), plannedOn);
            members.add(new Ensemble.Member(model, member.weight()));
        }
        Boolean probability = selection.probability();
        if (probability == null) {
            probability = members.get(0).model().config().probability();
            for (Ensemble.Member member : members) {
                if (member.model().config().probability() != probability) {
                    throw new IllegalArgumentException("models ["
                            + members.get(0).model().name() + "] and ["
                            + member.model().name() + "] disagree on [" + ModelSelection.PROBABILITY.getPreferredName()
                            + "] in their " + ModelConfig.FILE_NAME + ": set ["
                            + ModelSelection.PROBABILITY.getPreferredName()
                            + "] in the request, so that the ensemble averages scores of one kind");
                }
            }
        }
        return new Ensemble(members, probability);
    }

    /**
     * As {@link #ensemble(ModelSelection, String)} for a request planned here, first checking the user's access to its ML
     * Commons models and reading those this node does not serve yet ({@link #ensureServedForUser}).
     */
    public void ensembleWhenServed(ModelSelection selection, ActionListener<Ensemble> listener) {
        ensureServedForUser(
                selection,
                ActionListener.wrap(served -> listener.onResponse(ensemble(selection, null)), listener::onFailure));
    }

    /**
     * As {@link #ensureServed(ModelSelection, ActionListener)}, first checking that the user of the request may use each
     * ML Commons model of the selection, as ML Commons would let them read it (a 403 naming the model when not): where a
     * request enters, on the node that coordinates it, in the user's thread context. The node then reads the model as
     * itself, once for all users.
     */
    public void ensureServedForUser(ModelSelection selection, ActionListener<Void> listener) {
        List<String> models;
        try {
            models = names(selection).stream()
                    .filter(MlCommonsModels::isMlCommonsModel)
                    .toList();
        } catch (RuntimeException e) {
            listener.onFailure(e);
            return;
        }
        if (models.isEmpty()) {
            ensureServed(selection, listener);
            return;
        }
        GroupedActionListener<Void> all = new GroupedActionListener<>(
                ActionListener.wrap(checked -> ensureServed(selection, listener), listener::onFailure), models.size());
        models.forEach(name -> mlCommons.checkAccess(name, all));
    }

    /** Answers once this node serves every model of the selection (see {@link #ensureServed(String, ActionListener)}). */
    public void ensureServed(ModelSelection selection, ActionListener<Void> listener) {
        List<String> names;
        try {
            names = names(selection);
        } catch (RuntimeException e) {
            listener.onFailure(e);
            return;
        }
        GroupedActionListener<Void> all =
                new GroupedActionListener<>(ActionListener.map(listener, done -> null), names.size());
        names.forEach(name -> ensureServed(name, all));
    }

    /** The names of the selected models, the default model's when it names none. */
    public List<String> names(ModelSelection selection) {
        return members(selection).stream().map(ModelSelection.Member::name).toList();
    }

    /** The selected models, or the default model (weight 1, not pinned) when the selection names none. */
    private List<ModelSelection.Member> members(ModelSelection selection) {
        return selection.members().isEmpty()
                ? List.of(new ModelSelection.Member(requireDefaultModel(), 1f, null))
                : selection.members();
    }

    /**
     * The selection with each model pinned to the version this node serves, the default model named: every node then
     * scores with the same files, or refuses. Unchanged when this node does not serve every model (nothing to pin).
     */
    public ModelSelection pin(ModelSelection selection) {
        List<ModelSelection.Member> members = members(selection);
        List<ModelSelection.Member> pinned = new ArrayList<>(members.size());
        for (ModelSelection.Member member : members) {
            ModelInfo local = registry.info(member.name());
            if (local == null || local.loaded() == false) {
                return selection;
            }
            pinned.add(new ModelSelection.Member(member.name(), member.weight(), local.fingerprint()));
        }
        return new ModelSelection(pinned, selection.probability());
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
     * one pair each) by {@code models} models, exceed {@link CrossEncoderSettings#MAX_PAIRS_PER_REQUEST}; {@code remedy} (may be empty)
     * tells the user what to change.
     */
    public void checkPairLimit(
            int hits, @Nullable PassageWindows.Resolved windows, int models, String what, String remedy) {
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
        long pairs = (windows == null ? hits : (long) hits * windows.maxWindows()) * models;
        if (pairs > maxPairsPerRequest) {
            throw new IllegalArgumentException(what
                    + " ["
                    + hits
                    + "]"
                    + (windows == null
                            ? ""
                            : " read in up to [" + PassageWindows.NAME + "] [max_windows] [" + windows.maxWindows()
                                    + "] windows each")
                    + (models == 1 ? "" : " and scored by [" + models + "] models")
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
                    + (windows == null && models == 1
                            ? remedy
                            : ": rerank fewer hits" + (windows == null ? "" : " or allow fewer windows")
                                    + (models == 1 ? "" : " or use fewer models")));
        }
    }

    /**
     * The windows a request reads passages in with these models ({@code requested}: the request's option, null when
     * it gives none), which the first model cuts and the first model's defaults fill in; null when it reads each
     * passage whole. A 400 when the options do not fit the first model.
     */
    @Nullable
    public static PassageWindows.Resolved windows(Ensemble ensemble, @Nullable PassageWindows requested) {
        return PassageWindows.resolve(requested, ensemble.lead().config());
    }

    /** Throws a 400 naming {@code where} when the query text is longer than {@link CrossEncoderSettings#MAX_QUERY_TEXT_LENGTH}. */
    public void checkQueryText(String queryText, String where) {
        int length = VisibleText.length(queryText);
        if (length > maxQueryTextLength) {
            throw new IllegalArgumentException(where
                    + " [query_text] is ["
                    + length
                    + "] characters long; ["
                    + CrossEncoderSettings.MAX_QUERY_TEXT_LENGTH.getKey()
                    + "] allows at most ["
                    + maxQueryTextLength
                    + "]: the model reads only its first tokens anyway");
        }
    }

    /** Throws a 400 when the texts of a {@code _rerank} call hold more characters than its setting allows. */
    public void checkRerankTextLength(List<String> texts) {
        long total = texts.stream().mapToLong(VisibleText::length).sum();
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
     * Scores the passages against the query within the budget: each model's cached scores at once, the rest through the
     * scheduler, and the ensemble's scores from them. With {@code windows}, each passage is first cut into its windows
     * by the first model (on the scheduler too), each window is a pair, and the windows' scores make the passage's.
     * The listener gets every score, or those reached before the budget's deadline.
     */
    public void score(
            Ensemble ensemble,
            String query,
            List<String> passages,
            @Nullable PassageWindows.Resolved windows,
            InferenceBudget budget,
            ActionListener<PassageScores> listener) {
        if (windows == null) {
            scoreMembers(ensemble, query, passages, budget, ActionListener.map(listener, ensemble::combine));
            return;
        }
        run(
                List.of(ensemble.lead()),
                new PassageSplitting(ensemble.lead(), passages, windows),
                budget,
                ActionListener.wrap(
                        split -> scoreMembers(
                                ensemble,
                                query,
                                split.windowTexts(),
                                budget,
                                ActionListener.map(
                                        listener,
                                        raw -> ensemble.combine(
                                                raw.stream().map(split::combine).toList()))),
                        e -> listener.onFailure(namingTheModel(ensemble.lead(), e))));
    }

    /** Each member's logits of the pairs, in member order: one model run per group of members that share tokens. */
    private void scoreMembers(
            Ensemble ensemble,
            String query,
            List<String> passages,
            InferenceBudget budget,
            ActionListener<List<PassageScores>> listener) {
        List<List<Integer>> groups = ensemble.tokenizerGroups();
        PassageScores[] raw = new PassageScores[ensemble.size()];
        GroupedActionListener<Void> allGroups =
                new GroupedActionListener<>(ActionListener.map(listener, done -> List.of(raw)), groups.size());
        for (List<Integer> group : groups) {
            List<CrossEncoderModel> models =
                    group.stream().map(m -> ensemble.members().get(m).model()).toList();
            scoreGroup(models, query, passages, budget, ActionListener.map(allGroups, scores -> {
                for (int i = 0; i < group.size(); i++) {
                    raw[group.get(i)] = scores.get(i);
                }
                return null;
            }));
        }
    }

    /**
     * The models' logits of the pairs, in model order, for models that read the same tokens: what the cache lacks for
     * any of them is tokenized once and run by each model that lacks it.
     */
    private void scoreGroup(
            List<CrossEncoderModel> models,
            String query,
            List<String> passages,
            InferenceBudget budget,
            ActionListener<List<PassageScores>> listener) {
        List<ScoreCache.Lookup> lookups = models.stream()
                .map(model -> cache.lookup(model, query, passages))
                .toList();
        if (lookups.stream().allMatch(ScoreCache.Lookup::isComplete)) {
            listener.onResponse(lookups.stream().map(ScoreCache.Lookup::cached).toList());
            return;
        }
        Map<String, Integer> slots = new LinkedHashMap<>();
        List<BitSet> wanted = new ArrayList<>(models.size());
        for (ScoreCache.Lookup lookup : lookups) {
            BitSet needs = new BitSet();
            for (String passage : lookup.missingPassages()) {
                needs.set(slots.computeIfAbsent(passage, p -> slots.size()));
            }
            wanted.add(needs);
        }
        List<String> missing = List.copyOf(slots.keySet());
        long start = System.nanoTime();
        run(
                models,
                new PairScoring(models, query, missing, wanted),
                budget,
                ActionListener.wrap(
                        fromModels -> {
                            List<PassageScores> scores = new ArrayList<>(models.size());
                            int pairs = 0;
                            boolean timedOut = false;
                            for (int m = 0; m < models.size(); m++) {
                                PassageScores fromModel = fromModels.get(m);
                                pairs += fromModel.scoredCount();
                                timedOut |= fromModel.timedOut();
                                scores.add(lookups.get(m).complete(inOrderOf(lookups.get(m), fromModel, slots)));
                            }
                            stats.onSuccess(pairs, System.nanoTime() - start, timedOut);
                            listener.onResponse(scores);
                        },
                        e -> listener.onFailure(namingTheModel(models.get(0), e))));
    }

    /** A model's scores of the group's missing passages ({@code slots} order), in the order its own lookup lacks them. */
    private static PassageScores inOrderOf(ScoreCache.Lookup lookup, PassageScores group, Map<String, Integer> slots) {
        List<String> passages = lookup.missingPassages();
        float[] scores = new float[passages.size()];
        BitSet scored = new BitSet(passages.size());
        for (int i = 0; i < passages.size(); i++) {
            int slot = slots.get(passages.get(i));
            if (group.isScored(slot)) {
                scores[i] = group.score(slot);
                scored.set(i);
            }
        }
        return new PassageScores(scores, scored, group.timedOut());
    }

    /** Runs work that uses the models through the scheduler, holding each model meanwhile. */
    private <T> void run(
            List<CrossEncoderModel> models,
            InferenceScheduler.Work<T> work,
            InferenceBudget budget,
            ActionListener<T> listener) {
        List<CrossEncoderModel> held = new ArrayList<>(models.size());
        for (CrossEncoderModel model : models) {
            // A reload may retire this version while the work runs.
            if (model.tryIncRef() == false) {
                held.forEach(CrossEncoderModel::decRef);
                listener.onFailure(new OpenSearchStatusException(
                        "cross-encoder model [{}] was unloaded by a reload; retry the request",
                        RestStatus.SERVICE_UNAVAILABLE,
                        model.name()));
                return;
            }
            held.add(model);
        }
        scheduler.submit(
                work, budget, ActionListener.runBefore(listener, () -> held.forEach(CrossEncoderModel::decRef)));
    }

    /**
     * As {@link #score(Ensemble, String, List, PassageWindows.Resolved, InferenceBudget, ActionListener)}, waiting for
     * the result: for the rescorer, which OpenSearch runs synchronously on a search thread.
     */
    public PassageScores scoreAndWait(
            Ensemble ensemble,
            String query,
            List<String> passages,
            @Nullable PassageWindows.Resolved windows,
            InferenceBudget budget) {
        PlainActionFuture<PassageScores> future = PlainActionFuture.newFuture();
        score(ensemble, query, passages, windows, budget, future);
        return future.actionGet();
    }

    /** Names the model in what ONNX Runtime threw, which says nothing of which model it ran. */
    private static Exception namingTheModel(CrossEncoderModel model, Exception e) {
        if (e instanceof OrtException) {
            return new OpenSearchException("cross-encoder model [{}] failed to run", e, model.name());
        }
        return e;
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
