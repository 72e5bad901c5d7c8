/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.rescore;

import java.io.IOException;
import java.util.HashSet;
import java.util.Set;
import org.apache.lucene.search.Explanation;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.crossencoder.opensearch.ranking.Interpolation;
import org.crossencoder.opensearch.ranking.PassageReader;
import org.crossencoder.opensearch.ranking.PassageScores;
import org.crossencoder.opensearch.ranking.Reranking;
import org.crossencoder.opensearch.ranking.ScoreCombination;
import org.opensearch.search.query.QueryPhaseExecutionException;
import org.opensearch.search.rescore.RescoreContext;
import org.opensearch.search.rescore.Rescorer;

/**
 * Reranks the top {@code window_size} hits of a shard with a cross-encoder. Hits below the window are not
 * read: they keep their first-stage order, placed after every reranked hit (their scores are shifted down
 * by one constant so that the coordinating node's merge keeps them there).
 */
public final class CrossEncoderRescorer implements Rescorer {

    public static final CrossEncoderRescorer INSTANCE = new CrossEncoderRescorer();

    private CrossEncoderRescorer() {}

    @Override
    public TopDocs rescore(TopDocs topDocs, IndexSearcher searcher, RescoreContext rescoreContext) throws IOException {
        CrossEncoderRescoreContext context = (CrossEncoderRescoreContext) rescoreContext;
        if (context.failedToPrepare() != null) {
            context.fallsBackOn(searcher, context.failedToPrepare());
            context.setRescoredDocs(Set.of());
            return topDocs;
        }
        try {
            return rerank(topDocs, searcher, context);
        } catch (QueryPhaseExecutionException e) {
            throw e; // the search's own timeout without partial results: not the plugin's failure
        } catch (IOException | RuntimeException e) {
            if (context.fallsBackOn(searcher, e)) {
                context.setRescoredDocs(Set.of());
                return topDocs;
            }
            throw e;
        }
    }

    private static TopDocs rerank(TopDocs topDocs, IndexSearcher searcher, CrossEncoderRescoreContext context)
            throws IOException {
        context.checkFirstStage(searcher);
        ScoreDoc[] hits = topDocs.scoreDocs;
        int windowLength = Math.min(context.getWindowSize(), hits.length);
        if (windowLength == 0) {
            context.setRescoredDocs(Set.of());
            return topDocs;
        }
        int[] docIds = new int[windowLength];
        for (int i = 0; i < windowLength; i++) {
            docIds[i] = hits[i].doc;
        }
        PassageScores scores = context.score(searcher, context.readPassages(searcher, docIds));
        context.rememberBestWindows(searcher, docIds, scores);

        float[] firstStage = new float[hits.length];
        for (int i = 0; i < hits.length; i++) {
            firstStage[i] = hits[i].score;
        }
        Reranking.Combiner combiner;
        if (context.interpolation() != null) {
            Interpolation.Window window = context.interpolation().over(firstStage, scores);
            context.rememberWindow(searcher, window, docIds);
            combiner = (hit, modelScore) -> window.combine(hit);
        } else {
            combiner = (hit, modelScore) -> context.combine(hits[hit].score, modelScore);
        }
        Reranking reranking =
                Reranking.of(firstStage, scores, combiner, (a, b) -> Integer.compare(hits[a].doc, hits[b].doc));
        Set<Integer> rescored = new HashSet<>(windowLength * 2);
        for (int rank = 0; rank < reranking.scoredCount(); rank++) {
            rescored.add(hits[reranking.hitAt(rank)].doc);
        }
        context.setRescoredDocs(rescored);
        if (reranking.scoredCount() == 0) {
            return topDocs;
        }
        ScoreDoc[] reranked = new ScoreDoc[hits.length];
        for (int rank = 0; rank < hits.length; rank++) {
            ScoreDoc hit = hits[reranking.hitAt(rank)];
            reranked[rank] = new ScoreDoc(hit.doc, reranking.score(reranking.hitAt(rank)), hit.shardIndex);
        }
        return new TopDocs(topDocs.totalHits, reranked);
    }

    @Override
    public Explanation explain(
            int topLevelDocId, IndexSearcher searcher, RescoreContext rescoreContext, Explanation sourceExplanation)
            throws IOException {
        CrossEncoderRescoreContext context = (CrossEncoderRescoreContext) rescoreContext;
        if (context.failedToPrepare() != null) {
            return notReranked(context.failedToPrepare(), sourceExplanation);
        }
        if (context.isRescored(topLevelDocId) == false) {
            return Explanation.match(
                    sourceExplanation.getValue(),
                    "first-stage score: not reranked, being below the cross_encoder window of ["
                            + context.getWindowSize()
                            + "] or not reached before the search's timeout; its _score is shifted to rank after every reranked "
                            + "hit in first-stage order",
                    sourceExplanation);
        }
        PassageReader.Passage[] read;
        PassageScores scores;
        try {
            read = context.readPassages(searcher, new int[] {topLevelDocId});
            scores = context.score(searcher, read);
        } catch (IOException | RuntimeException e) {
            if (context.fallsBackOn(searcher, e)) {
                return notReranked(e, sourceExplanation);
            }
            throw e;
        }
        String passage = read[0].text();
        Explanation crossEncoder = ScoreExplanations.explain(
                context.ensemble(),
                scores,
                0,
                context.windows(),
                context.chunks(),
                "cross_encoder "
                        + context.ensemble().describe()
                        + " score of query_text against "
                        + (context.chunks() == null
                                ? "fields " + context.fields()
                                : "the chunks of [" + context.chunks().field() + "]")
                        + (passage.isEmpty() ? " (none of the fields has text: scored against an empty passage)" : ""));
        if (context.interpolation() != null) {
            Explanation blend = context.explainBlend(searcher, topLevelDocId, sourceExplanation, crossEncoder);
            if (blend != null) {
                return blend;
            }
            return Explanation.match(
                    sourceExplanation.getValue(),
                    "interpolated score over the reranked window (the window's normalized scores are no longer"
                            + " available to show), of:",
                    crossEncoder,
                    sourceExplanation);
        }
        ScoreCombination combination = context.combination();
        return combination
                .scoreMode()
                .explain(
                        weighted(sourceExplanation, combination.queryWeight(), "query_weight"),
                        weighted(crossEncoder, combination.rescoreQueryWeight(), "rescore_query_weight"));
    }

    private static Explanation notReranked(Exception failure, Explanation firstStage) {
        return Explanation.match(
                firstStage.getValue(),
                "first-stage score: not reranked, the reranker failed and ["
                        + CrossEncoderRescorerBuilder.ALLOW_RERANKER_FAILURES.getPreferredName() + "] is true: "
                        + failure.getMessage(),
                firstStage);
    }

    private static Explanation weighted(Explanation score, float weight, String weightName) {
        if (weight == 1f) {
            return score;
        }
        return Explanation.match(
                score.getValue().floatValue() * weight, "product of:", score, Explanation.match(weight, weightName));
    }
}
