/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.rescore;

import java.io.IOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.lucene.search.Explanation;
import org.apache.lucene.search.IndexSearcher;
import org.crossencoder.opensearch.engine.InferenceBudget;
import org.crossencoder.opensearch.ranking.Chunks;
import org.crossencoder.opensearch.ranking.Interpolation;
import org.crossencoder.opensearch.ranking.PassageReader;
import org.crossencoder.opensearch.ranking.PassageScores;
import org.crossencoder.opensearch.ranking.PassageWindowScores;
import org.crossencoder.opensearch.ranking.PassageWindows;
import org.crossencoder.opensearch.ranking.ScoreCombination;
import org.crossencoder.opensearch.scoring.Ensemble;
import org.crossencoder.opensearch.scoring.FailureKind;
import org.crossencoder.opensearch.scoring.InferenceService;
import org.crossencoder.opensearch.scoring.ScoringPlan;
import org.opensearch.common.Nullable;
import org.opensearch.search.rescore.RescoreContext;

/** One shard's resolved {@code cross_encoder} rescore: the models, the query text and where the passage text lives. */
final class CrossEncoderRescoreContext extends RescoreContext {

    private final InferenceService inference;
    private final ShardSearches searches;
    /** Null when this shard could not get its models (see {@link #firstStage}). */
    @Nullable
    private final ScoringPlan plan;

    private final List<String> fields;
    private final PassageReader passages;
    private final ScoreCombination combination;

    private final boolean allowFailures;
    /** Set when the models could not be had for this shard and the search allows that: nothing is scored. */
    @Nullable
    private final Exception failedToPrepare;
    /**
     * For {@code explain} with {@code interpolate}: the window the query phase normalized. The fetch phase, where explain
     * runs, is a request of its own when the search has several shards (or {@code dfs_query_then_fetch}): it gets its own
     * context, so the window also waits for it in the shard's reader context, which both phases share.
     */
    private BlendedWindow blended;

    /** The rescored window, and each of its docs' positions in it. */
    record BlendedWindow(Interpolation.Window window, Map<Integer, Integer> positions) {}

    CrossEncoderRescoreContext(
            int windowSize,
            InferenceService inference,
            ShardSearches searches,
            ScoringPlan plan,
            List<String> fields,
            PassageReader passages,
            ScoreCombination combination,
            boolean allowFailures) {
        this(windowSize, inference, searches, plan, fields, passages, combination, allowFailures, null);
    }

    private CrossEncoderRescoreContext(
            int windowSize,
            InferenceService inference,
            ShardSearches searches,
            ScoringPlan plan,
            List<String> fields,
            PassageReader passages,
            ScoreCombination combination,
            boolean allowFailures,
            Exception failedToPrepare) {
        super(windowSize, CrossEncoderRescorer.INSTANCE);
        this.inference = inference;
        this.searches = searches;
        this.plan = plan;
        this.fields = fields;
        this.passages = passages;
        this.combination = combination;
        this.allowFailures = allowFailures;
        this.failedToPrepare = failedToPrepare;
    }

    /**
     * The rescore of a shard that could not get its models (missing, failed to load...) in a search that allows reranker
     * failures: it scores nothing, and its hits keep their first-stage order and scores.
     */
    static CrossEncoderRescoreContext firstStage(
            int windowSize, InferenceService inference, ShardSearches searches, FailureKind kind, Exception failure) {
        return new CrossEncoderRescoreContext(
                windowSize, inference, searches, null, List.of(), null, ScoreCombination.REPLACE, true, failure);
    }

    /** Null unless this shard could not get its models and the search allows that (see {@link #firstStage}). */
    @Nullable
    Exception failedToPrepare() {
        return failedToPrepare;
    }

    /**
     * Whether a failure while scoring leaves this shard's hits in their first-stage order instead of failing the
     * search: when the request allows reranker failures and the failure is the model's or the node's, not the request's.
     * Counts the failure or the fallback; a fallback marks the shard's hits ({@link NotRerankedFetchSubPhase}).
     */
    boolean fallsBackOn(IndexSearcher searcher, Exception e) {
        if (allowFailures
                && FailureKind.isCancellation(e) == false
                && FailureKind.of(e).fallsBackToFirstStage()) {
            FailureKind kind = FailureKind.of(e);
            inference.onFallback(kind);
            NotRerankedFetchSubPhase.remember(
                    searches.of(searcher),
                    kind,
                    "[" + CrossEncoderRescorerBuilder.NAME + "] reranking failed on node ["
                            + inference.registry().nodeName()
                            + "], so its shards' hits kept their first-stage order and"
                            + " scores ([" + CrossEncoderRescorerBuilder.ALLOW_RERANKER_FAILURES.getPreferredName()
                            + "] is true): " + e.getMessage());
            return true;
        }
        inference.onFailure(e);
        return false;
    }

    /**
     * Refuses a first stage whose hits the rescore cannot reorder: neural-search's hybrid query, whose shard
     * results are sub-query lists that its normalization processor merges later.
     */
    void checkFirstStage(IndexSearcher searcher) {
        ShardSearches.ShardSearch search = searches.of(searcher);
        if (search != null && HybridQueries.contains(search.context().query())) {
            throw new IllegalArgumentException(
                    "[" + CrossEncoderRescorerBuilder.NAME + "] rescore cannot rerank a [hybrid]"
                            + " query: its shard results are per sub-query lists that the normalization processor merges"
                            + " afterwards. Rerank the merged hits with the [cross_encoder_rerank] response processor, after the"
                            + " normalization processor in the same search pipeline");
        }
    }

    /** The text the model reads for each hit, in the order of {@code docIds}. */
    PassageReader.Passage[] readPassages(IndexSearcher searcher, int[] docIds) throws IOException {
        return passages.read(searcher, docIds);
    }

    /**
     * Cross-encoder scores of the passages against the query text, in the same order, within the search's
     * budget: a cancelled search stops with {@code TaskCancelledException}; one out of time gets the scores
     * reached so far and its shard result says {@code timed_out}.
     */
    PassageScores score(IndexSearcher searcher, PassageReader.Passage[] passages) {
        ShardSearches.ShardSearch search = searches.of(searcher);
        InferenceBudget budget = search == null ? InferenceBudget.UNLIMITED : search.budget();
        PassageScores scores = plan.scoreReadAndWait(Arrays.asList(passages), budget);
        if (scores.timedOut() && search != null) {
            search.onTimedOut();
        }
        return scores;
    }

    /**
     * When the request asks for each hit's best window: keeps those of the reranked docs where the fetch phase of the
     * same search finds them ({@link BestWindowFetchSubPhase}), which may run as another request on this shard.
     */
    void rememberBestWindows(IndexSearcher searcher, int[] docIds, PassageScores scores) {
        ShardSearches.ShardSearch search = searches.of(searcher);
        if (returnsBest() == false || search == null) {
            return;
        }
        Map<Integer, PassageWindowScores> best = new HashMap<>();
        for (int i = 0; i < docIds.length; i++) {
            if (scores.windows(i) != null) {
                best.put(docIds[i], scores.windows(i));
            }
        }
        search.context().readerContext().putInContext(BestWindowFetchSubPhase.CONTEXT_KEY, best);
    }

    /** Null when passages are read whole. */
    @Nullable
    PassageWindows.Resolved windows() {
        return plan == null ? null : plan.windows();
    }

    /** Null when each document is one passage. */
    @Nullable
    Chunks chunks() {
        return plan == null ? null : plan.chunks();
    }

    /** Whether hits show their best chunk, or their best window, as the request asks. */
    boolean returnsBest() {
        return plan != null && plan.returnsBest();
    }

    /** Null unless the score mode is {@code interpolate}. */
    Interpolation interpolation() {
        return combination.interpolation();
    }

    /** Keeps the window an interpolation normalized, so that {@code explain} can show a doc's normalized scores. */
    void rememberWindow(IndexSearcher searcher, Interpolation.Window window, int[] docIds) {
        Map<Integer, Integer> positions = new HashMap<>();
        for (int position = 0; position < docIds.length; position++) {
            positions.put(docIds[position], position);
        }
        blended = new BlendedWindow(window, positions);
        ShardSearches.ShardSearch search = searches.of(searcher);
        if (search != null && search.context().explain() && search.context().readerContext() != null) {
            search.context().readerContext().putInContext(blendedWindowKey(search), blended);
        }
    }

    /**
     * How the interpolation blended this doc's scores in the window it rescored; null when the query phase left no
     * window for this search (then the blend cannot be shown, only the scores).
     */
    @Nullable
    Explanation explainBlend(IndexSearcher searcher, int docId, Explanation firstStage, Explanation crossEncoder) {
        BlendedWindow window = blended;
        ShardSearches.ShardSearch search = searches.of(searcher);
        if (window == null && search != null && search.context().readerContext() != null) {
            window = search.context().readerContext().getFromContext(blendedWindowKey(search));
        }
        Integer position = window == null ? null : window.positions().get(docId);
        return position == null ? null : window.window().explain(position, firstStage, crossEncoder);
    }

    /** One key per rescore of the search: a search may hold several, built in the same order in both phases. */
    private String blendedWindowKey(ShardSearches.ShardSearch search) {
        return "cross_encoder.interpolation." + search.context().rescore().indexOf(this);
    }

    /** The final score of a reranked hit. */
    float combine(float firstStage, float crossEncoder) {
        return combination.combine(firstStage, crossEncoder);
    }

    Ensemble ensemble() {
        return plan.ensemble();
    }

    List<String> fields() {
        return fields;
    }

    ScoreCombination combination() {
        return combination;
    }
}
