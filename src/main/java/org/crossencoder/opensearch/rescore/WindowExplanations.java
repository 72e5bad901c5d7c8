/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.rescore;

import org.apache.lucene.search.Explanation;
import org.crossencoder.opensearch.model.PassageScores;
import org.crossencoder.opensearch.model.PassageWindowScores;
import org.crossencoder.opensearch.model.PassageWindows;
import org.opensearch.common.Nullable;

/** The model's score of a passage as {@code explain} shows it, with every window's score when it was read in windows. */
public final class WindowExplanations {

    private WindowExplanations() {}

    /** {@code description} says what was scored; the scores must hold {@code passage}'s. */
    public static Explanation explain(
            PassageScores scores, int passage, @Nullable PassageWindows.Resolved options, String description) {
        float score = scores.score(passage);
        PassageWindowScores windows = scores.windows(passage);
        if (windows == null || options == null) {
            return Explanation.match(score, description);
        }
        int best = windows.best();
        Explanation[] perWindow = new Explanation[windows.count()];
        for (int i = 0; i < perWindow.length; i++) {
            perWindow[i] = Explanation.match(
                    windows.scores()[i],
                    "window [" + i + "], characters [" + windows.starts()[i] + ", " + windows.ends()[i] + ")"
                            + (i == best ? ", the best" : ""));
        }
        return Explanation.match(
                score,
                description + ": the [" + options.combine() + "] of its [" + windows.count() + "] windows' scores ("
                        + PassageWindows.NAME + " of [" + options.length() + "] tokens sharing [" + options.stride()
                        + "], at most [" + options.maxWindows() + "])",
                perWindow);
    }
}
