/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.scoring;

import ai.onnxruntime.OrtException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.crossencoder.opensearch.engine.CrossEncoderModel;
import org.crossencoder.opensearch.engine.InferenceBudget;
import org.crossencoder.opensearch.engine.InferenceScheduler;
import org.crossencoder.opensearch.engine.PairScoring;
import org.crossencoder.opensearch.engine.PassageSplitting;
import org.crossencoder.opensearch.ranking.PassageScores;
import org.crossencoder.opensearch.ranking.PassageWindows;
import org.opensearch.OpenSearchException;
import org.opensearch.OpenSearchStatusException;
import org.opensearch.action.support.GroupedActionListener;
import org.opensearch.common.Nullable;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.rest.RestStatus;

/**
 * Scores pairs with resolved models: each model's cached scores at once from the {@link ScoreCache}, the rest through
 * the {@link InferenceScheduler}, counting what it ran in {@link InferenceStats}.
 */
final class Scorer implements PairScorer {

    private final InferenceScheduler scheduler;
    private final ScoreCache cache;
    private final InferenceStats stats;

    Scorer(InferenceScheduler scheduler, ScoreCache cache, InferenceStats stats) {
        this.scheduler = scheduler;
        this.cache = cache;
        this.stats = stats;
    }

    /**
     * Scores the passages against the query within the budget: each model's cached scores at once, the rest through the
     * scheduler, and the ensemble's scores from them. With {@code windows} or {@code chunks}, each passage is first cut
     * into its parts by the first model (on the scheduler too): its windows, or its chunks (each in windows when both
     * are given); each part is a pair, and the parts' scores make the passage's. The listener gets every score, or
     * those reached before the budget's deadline.
     */
    @Override
    public void score(
            Ensemble ensemble,
            String query,
            List<String> passages,
            @Nullable PassageWindows.Resolved windows,
            @Nullable ChunkedPassages chunks,
            InferenceBudget budget,
            ActionListener<PassageScores> listener) {
        if (windows == null && chunks == null) {
            scoreMembers(ensemble, query, passages, budget, ActionListener.map(listener, ensemble::combine));
            return;
        }
        run(
                List.of(ensemble.lead()),
                chunks == null
                        ? new PassageSplitting(ensemble.lead(), passages, windows)
                        : new PassageSplitting(ensemble.lead(), passages, windows, chunks.bounds(), chunks.combine()),
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

    /** Passages that are documents' chunks: per passage its chunks' character ranges, and how their scores combine. */
    record ChunkedPassages(int[][] bounds, PassageWindows.Combine combine) {}

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

    /** Names the model in what ONNX Runtime threw, which says nothing of which model it ran. */
    private static Exception namingTheModel(CrossEncoderModel model, Exception e) {
        if (e instanceof OrtException) {
            return new OpenSearchException("cross-encoder model [{}] failed to run", e, model.name());
        }
        return e;
    }
}
