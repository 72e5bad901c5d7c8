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
import org.crossencoder.opensearch.model.Ensemble;
import org.crossencoder.opensearch.model.InferenceBudget;
import org.crossencoder.opensearch.model.InferenceService;
import org.crossencoder.opensearch.model.PassageScores;
import org.crossencoder.opensearch.model.PassageWindowScores;
import org.crossencoder.opensearch.model.PassageWindows;
import org.opensearch.search.rescore.RescoreContext;

/** One shard's resolved {@code cross_encoder} rescore: the models, the query text and where the passage text lives. */
final class CrossEncoderRescoreContext extends RescoreContext {

    private final InferenceService inference;
    private final ShardSearches searches;
    private final Ensemble ensemble;
    private final String queryText;
    private final List<String> fields;
    private final PassageReader passages;
    private final ScoreCombination combination;
    /** Null: each passage read whole. */
    private final PassageWindows.Resolved windows;
    /** For {@code explain} with {@code interpolate}: the rescored window, and each of its docs' positions in it. */
    private Interpolation.Window window;

    private final Map<Integer, Integer> windowPositions = new HashMap<>();

    CrossEncoderRescoreContext(
            int windowSize,
            InferenceService inference,
            ShardSearches searches,
            Ensemble ensemble,
            String queryText,
            List<String> fields,
            PassageReader passages,
            ScoreCombination combination,
            PassageWindows.Resolved windows) {
        super(windowSize, CrossEncoderRescorer.INSTANCE);
        this.inference = inference;
        this.searches = searches;
        this.ensemble = ensemble;
        this.queryText = queryText;
        this.fields = fields;
        this.passages = passages;
        this.combination = combination;
        this.windows = windows;
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
        List<String> texts =
                Arrays.stream(passages).map(PassageReader.Passage::text).toList();
        PassageScores scores = inference.scoreAndWait(ensemble, queryText, texts, windows, budget);
        if (scores.timedOut() && search != null) {
            search.onTimedOut();
        }
        return PassageReader.locateBestWindows(scores, Arrays.asList(passages));
    }

    /**
     * When the request asks for each hit's best window: keeps those of the reranked docs where the fetch phase of the
     * same search finds them ({@link BestWindowFetchSubPhase}), which may run as another request on this shard.
     */
    void rememberBestWindows(IndexSearcher searcher, int[] docIds, PassageScores scores) {
        ShardSearches.ShardSearch search = searches.of(searcher);
        if (windows == null || windows.returnBest() == false || search == null) {
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
    PassageWindows.Resolved windows() {
        return windows;
    }

    /** Null unless the score mode is {@code interpolate}. */
    Interpolation interpolation() {
        return combination.interpolation();
    }

    /** Keeps the window an interpolation normalized, so that {@code explain} can show a doc's normalized scores. */
    void rememberWindow(Interpolation.Window window, int[] docIds) {
        this.window = window;
        windowPositions.clear();
        for (int position = 0; position < docIds.length; position++) {
            windowPositions.put(docIds[position], position);
        }
    }

    /** How the interpolation blended this doc's scores in the window it rescored. */
    Explanation explainBlend(int docId, Explanation firstStage, Explanation crossEncoder) {
        return window.explain(windowPositions.get(docId), firstStage, crossEncoder);
    }

    /** The final score of a reranked hit. */
    float combine(float firstStage, float crossEncoder) {
        return combination.combine(firstStage, crossEncoder);
    }

    Ensemble ensemble() {
        return ensemble;
    }

    List<String> fields() {
        return fields;
    }

    ScoreCombination combination() {
        return combination;
    }
}
