/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.lucene.search.Explanation;
import org.crossencoder.opensearch.ranking.Chunks;
import org.crossencoder.opensearch.ranking.Interpolation;
import org.crossencoder.opensearch.ranking.PassageScores;
import org.crossencoder.opensearch.ranking.PassageWindowScores;
import org.crossencoder.opensearch.ranking.Reranking;
import org.crossencoder.opensearch.rescore.BestWindowFetchSubPhase;
import org.crossencoder.opensearch.rescore.ScoreExplanations;
import org.crossencoder.opensearch.scoring.Ensemble;
import org.crossencoder.opensearch.scoring.ScoringPlan;
import org.opensearch.action.search.SearchResponse;
import org.opensearch.common.Nullable;
import org.opensearch.common.document.DocumentField;
import org.opensearch.search.SearchHit;

/**
 * Reranks a search response by the model's scores of its hits, wherever they were scored: reorders the hits, drops those
 * below {@code min_score}, keeps the first stage's score where asked, shows best windows, explains, and rebuilds the
 * response with every other part of it as it was.
 */
final class ResponseReranking {

    private final List<String> fields;
    /** Null: every hit stays. */
    @Nullable
    private final Float minScore;

    @Nullable
    private final String keepFirstStageScoreAs;

    ResponseReranking(List<String> fields, @Nullable Float minScore, @Nullable String keepFirstStageScoreAs) {
        this.fields = fields;
        this.minScore = minScore;
        this.keepFirstStageScoreAs = keepFirstStageScoreAs;
    }

    /**
     * The response with the hits the model scored first, in its order, then (in their previous order) those a
     * timeout left unscored and those below the window; every other part of the response is kept as it was. With
     * {@code min_score}, only the scored hits with at least that score stay. The model's score replaces the first
     * stage's, or with an {@code interpolation} blends with it.
     */
    SearchResponse rerank(
            SearchResponse response,
            SearchHit[] hits,
            ScoringPlan plan,
            @Nullable Interpolation interpolation,
            PassageScores scores,
            @Nullable RerankWindow page,
            boolean explain,
            long startNanos) {
        float[] firstStage = new float[hits.length];
        for (int i = 0; i < hits.length; i++) {
            firstStage[i] = hits[i].getScore();
        }
        Reranking.Combiner combiner;
        Interpolation.Window blend = interpolation == null ? null : interpolation.over(firstStage, scores);
        if (blend == null) {
            combiner = (hit, modelScore) -> modelScore;
        } else {
            combiner = (hit, modelScore) -> blend.combine(hit);
        }
        Reranking reranking = Reranking.of(firstStage, scores, combiner, Integer::compare);
        List<SearchHit> reranked = new ArrayList<>(hits.length);
        for (int rank = 0; rank < hits.length; rank++) {
            int hit = reranking.hitAt(rank);
            boolean scored = rank < reranking.scoredCount();
            if (minScore != null && (scored == false || reranking.score(hit) < minScore)) {
                continue;
            }
            if (keepFirstStageScoreAs != null && scored) {
                hits[hit].setDocumentField(
                        keepFirstStageScoreAs, new DocumentField(keepFirstStageScoreAs, List.of(hits[hit].getScore())));
            }
            if (plan.returnsBest() && scores.windows(hit) != null) {
                showBest(hits[hit], scores.windows(hit), plan.chunks());
            }
            if (explain) {
                hits[hit].explanation(explain(hits[hit], reranking.score(hit), scored, plan, scores, blend, hit));
            }
            hits[hit].score(reranking.score(hit));
            reranked.add(hits[hit]);
        }
        float maxScore = reranked.isEmpty()
                ? Float.NaN
                : reranking.scoredCount() > 0
                        ? reranked.get(0).getScore()
                        : response.getHits().getMaxScore();
        SearchHit[] kept = reranked.toArray(SearchHit[]::new);
        return SearchResponses.withHits(
                response, page == null ? kept : page.of(kept), maxScore, scores.timedOut(), startNanos, null);
    }

    /** Shows the hit's best window or chunk; a chunk matched by inner hits is named by its offset in the document. */
    private static void showBest(SearchHit hit, PassageWindowScores parts, @Nullable Chunks chunks) {
        if (chunks == null || chunks.innerHits() == null) {
            BestWindowFetchSubPhase.show(hit, parts, chunks != null);
            return;
        }
        Map<String, Object> best = parts.bestChunkAsMap();
        best.put("chunk", InnerHitChunks.offsets(hit, chunks)[parts.best()]);
        hit.setDocumentField(
                BestWindowFetchSubPhase.CHUNK_FIELD,
                new DocumentField(BestWindowFetchSubPhase.CHUNK_FIELD, List.of(best)));
    }

    /** How a hit's score came about: the model's score and how it was combined, or why the model did not score it. */
    private Explanation explain(
            SearchHit hit,
            float score,
            boolean scored,
            ScoringPlan plan,
            PassageScores scores,
            Interpolation.Window blend,
            int position) {
        Explanation first = hit.getExplanation() != null
                ? hit.getExplanation()
                : Explanation.match(hit.getScore(), "first-stage score");
        if (scored == false) {
            return Explanation.match(
                    score,
                    "not reranked: below the window of [" + scores.size()
                            + "] hits the model scored, or not reached before the "
                            + "search's timeout; kept in first-stage order after every reranked hit",
                    first);
        }
        Ensemble ensemble = plan.ensemble();
        Explanation crossEncoder = ScoreExplanations.explain(
                ensemble,
                scores,
                position,
                plan.windows(),
                plan.chunks(),
                "cross-encoder score (" + CrossEncoderRerankResponseProcessor.TYPE + ") of the query text with "
                        + (plan.chunks() == null
                                ? fields
                                : "the chunks of [" + plan.chunks().field() + "]")
                        + " by " + ensemble.describe());
        if (blend != null) {
            return blend.explain(position, first, crossEncoder);
        }
        return Explanation.match(
                score,
                "score_mode [replace]: the cross-encoder score, in place of the first stage's",
                crossEncoder,
                first);
    }

    /**
     * The response with its hits as the first stage ordered them (the page asked for, if the search was widened), with a
     * note of why in its {@code ext} when {@code kind} is not null.
     */
    static SearchResponse firstStage(
            SearchResponse response,
            SearchHit[] hits,
            RerankWindow page,
            long start,
            @Nullable String kind,
            @Nullable String reason) {
        SearchHit[] shown = page == null ? hits : page.of(hits);
        return SearchResponses.withHits(
                response,
                shown,
                response.getHits().getMaxScore(),
                false,
                start,
                kind == null ? null : new NotRerankedExt(kind, reason, shown.length));
    }
}
