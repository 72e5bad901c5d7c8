/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.rescore;

import org.apache.lucene.search.Explanation;
import org.crossencoder.opensearch.ranking.Chunks;
import org.crossencoder.opensearch.ranking.PassageScores;
import org.crossencoder.opensearch.ranking.PassageWindowScores;
import org.crossencoder.opensearch.ranking.PassageWindows;
import org.crossencoder.opensearch.scoring.Ensemble;
import org.opensearch.common.Nullable;

/**
 * The cross-encoder's score of a passage as {@code explain} shows it: each model's logit (with every window's when
 * passages were read in windows), how it became a probability, and how an ensemble weighed its models.
 */
public final class ScoreExplanations {

    private ScoreExplanations() {}

    /** {@code description} says what was scored, and by which models; the scores must hold {@code passage}'s. */
    public static Explanation explain(
            Ensemble ensemble,
            PassageScores scores,
            int passage,
            @Nullable PassageWindows.Resolved windows,
            @Nullable Chunks chunks,
            String description) {
        if (scores.members() == null) {
            return logit(scores, passage, windows, chunks, description);
        }
        Explanation[] members = new Explanation[ensemble.size()];
        for (int m = 0; m < members.length; m++) {
            members[m] = member(ensemble, m, scores.members()[m], passage, windows, chunks);
        }
        if (members.length == 1) {
            return Explanation.match(
                    scores.score(passage), description + ": " + members[0].getDescription(), members[0].getDetails());
        }
        Explanation[] weighted = new Explanation[members.length];
        for (int m = 0; m < members.length; m++) {
            float share = ensemble.share(m);
            weighted[m] = Explanation.match(
                    share * members[m].getValue().floatValue(),
                    "weight [" + ensemble.members().get(m).weight() + "] of [" + ensemble.size() + "] models' (share "
                            + share + ") times:",
                    members[m]);
        }
        return Explanation.match(
                scores.score(passage),
                description + ": the weighted mean of the " + (ensemble.probability() ? "probabilities" : "logits")
                        + " of " + ensemble.describe() + ", sum of:",
                weighted);
    }

    private static Explanation member(
            Ensemble ensemble,
            int m,
            PassageScores raw,
            int passage,
            @Nullable PassageWindows.Resolved windows,
            @Nullable Chunks chunks) {
        String name = ensemble.members().get(m).model().name();
        Explanation logit = logit(raw, passage, windows, chunks, "logit of model [" + name + "]");
        if (ensemble.probability() == false) {
            return logit;
        }
        return Explanation.match(
                ensemble.transform(m, raw.score(passage)),
                "probability of relevance from model [" + name + "]: "
                        + ensemble.members()
                                .get(m)
                                .model()
                                .config()
                                .calibration()
                                .describe() + " of:",
                logit);
    }

    /** A model's logit of the passage, with each of its windows' (or chunks') when it was read in parts. */
    private static Explanation logit(
            PassageScores scores,
            int passage,
            @Nullable PassageWindows.Resolved options,
            @Nullable Chunks chunks,
            String description) {
        float score = scores.score(passage);
        PassageWindowScores windows = scores.windows(passage);
        if (windows == null || (options == null && chunks == null)) {
            return Explanation.match(score, description);
        }
        int best = windows.best();
        Explanation[] perPart = new Explanation[windows.count()];
        for (int i = 0; i < perPart.length; i++) {
            perPart[i] = Explanation.match(
                    windows.scores()[i],
                    (chunks == null
                                    ? "window [" + i + "], characters [" + windows.starts()[i] + ", "
                                            + windows.ends()[i] + ")"
                                    // With inner hits, the i-th chunk matched (the hit's best chunk names its offset).
                                    : (chunks.innerHits() == null ? "chunk [" : "matched chunk [") + i + "]")
                            + (i == best ? ", the best" : ""));
        }
        String read = options == null
                ? ""
                : PassageWindows.NAME + " of [" + options.length() + "] tokens sharing [" + options.stride()
                        + "], at most [" + options.maxWindows() + "]";
        if (chunks == null) {
            return Explanation.match(
                    score,
                    description + ": the [" + options.combine() + "] of its [" + windows.count() + "] windows' scores ("
                            + read + ")",
                    perPart);
        }
        return Explanation.match(
                score,
                description + ": the [" + chunks.combineOrDefault() + "] of its [" + windows.count()
                        + "] chunks' scores (" + Chunks.NAME + " of [" + chunks.field() + "], at most ["
                        + chunks.maxChunksOrDefault() + "]"
                        + (options == null
                                ? ""
                                : "; each chunk the [" + options.combine() + "] of its windows' scores, " + read)
                        + ")",
                perPart);
    }
}
