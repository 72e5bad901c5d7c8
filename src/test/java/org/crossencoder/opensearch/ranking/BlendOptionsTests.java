/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.ranking;

import org.crossencoder.opensearch.ranking.Interpolation.Normalization;
import org.junit.Test;
import org.opensearch.test.OpenSearchTestCase;

public class BlendOptionsTests extends OpenSearchTestCase {

    private static final ScoreCombination RECIPROCAL_07 =
            new ScoreCombination(ScoreMode.INTERPOLATE, 1f, 1f, new Interpolation(Normalization.RECIPROCAL_RANK, 0.7f));

    private static ScoreCombination interpolate(Normalization normalization, float weight) {
        return new ScoreCombination(ScoreMode.INTERPOLATE, 1f, 1f, new Interpolation(normalization, weight));
    }

    @Test
    public void withoutOptionsTheModelsDefaultElseThePluginsApplies() {
        assertEquals(ScoreCombination.DEFAULT, BlendOptions.DEFAULT.resolve((ScoreCombination) null));
        assertEquals(interpolate(Normalization.MIN_MAX, 0.5f), ScoreCombination.DEFAULT);
        assertEquals(RECIPROCAL_07, BlendOptions.DEFAULT.resolve(RECIPROCAL_07));
        assertEquals(ScoreCombination.REPLACE, BlendOptions.DEFAULT.resolve(ScoreCombination.REPLACE));
    }

    @Test
    public void aRequestOverridesTheModelsDefaultOptionByOption() {
        assertEquals(
                "the weight is the request's, the normalization the model's",
                interpolate(Normalization.RECIPROCAL_RANK, 0.3f),
                new BlendOptions(null, null, null, null, 0.3f).resolve(RECIPROCAL_07));
        assertEquals(
                interpolate(Normalization.MIN_MAX, 0.7f),
                new BlendOptions(ScoreMode.INTERPOLATE, null, null, Normalization.MIN_MAX, null)
                        .resolve(RECIPROCAL_07));
        assertEquals(
                ScoreCombination.REPLACE,
                new BlendOptions(ScoreMode.REPLACE, null, null, null, null).resolve(RECIPROCAL_07));
        assertEquals(
                new ScoreCombination(ScoreMode.TOTAL, 0.5f, 1f, null),
                new BlendOptions(ScoreMode.TOTAL, 0.5f, null, null, null).resolve(RECIPROCAL_07));
        assertEquals(
                "a weight asks for interpolate even where the model replaces",
                interpolate(Normalization.MIN_MAX, 0.3f),
                new BlendOptions(null, null, null, null, 0.3f).resolve(ScoreCombination.REPLACE));
        assertEquals(
                "interpolate asked of a model that replaces takes the plugin's normalization and weight",
                ScoreCombination.DEFAULT,
                new BlendOptions(ScoreMode.INTERPOLATE, null, null, null, null).resolve(ScoreCombination.REPLACE));
    }
}
