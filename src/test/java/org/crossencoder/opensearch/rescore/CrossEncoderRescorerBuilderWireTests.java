/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.rescore;

import java.util.ArrayList;
import java.util.List;
import org.crossencoder.opensearch.model.ModelSelection;
import org.crossencoder.opensearch.model.PassageWindows;
import org.crossencoder.opensearch.wire.CrossEncoderWireTestCase;
import org.opensearch.core.common.io.stream.Writeable;

public class CrossEncoderRescorerBuilderWireTests extends CrossEncoderWireTestCase<CrossEncoderRescorerBuilder> {

    private static final ShardSearches SEARCHES = new ShardSearches();

    @Override
    protected CrossEncoderRescorerBuilder createTestInstance() {
        ScoreMode scoreMode = randomFrom(ScoreMode.values());
        boolean interpolates = scoreMode == ScoreMode.INTERPOLATE;
        return builder(
                        randomModelSelection(),
                        randomAlphaOfLength(1) + randomUnicodeOfLengthBetween(0, 50),
                        randomList(1, 4, () -> randomAlphaOfLengthBetween(1, 10)),
                        scoreMode,
                        interpolates ? 1f : randomFloat(),
                        interpolates ? 1f : randomFloat(),
                        interpolates ? randomInterpolation() : null)
                .passageWindows(randomBoolean() ? null : randomPassageWindows())
                .windowSize(randomIntBetween(1, 1000));
    }

    private static Interpolation randomInterpolation() {
        return new Interpolation(randomFrom(Interpolation.Normalization.values()), randomFloat());
    }

    @Override
    protected CrossEncoderRescorerBuilder mutateInstance(CrossEncoderRescorerBuilder b) {
        ModelSelection selection = b.selection();
        String queryText = b.queryText();
        List<String> fields = b.fields();
        ScoreMode scoreMode = b.combination().scoreMode();
        float queryWeight = b.combination().queryWeight();
        float rescoreQueryWeight = b.combination().rescoreQueryWeight();
        Interpolation interpolation = b.combination().interpolation();
        int windowSize = b.windowSize();
        PassageWindows windows = b.passageWindows();
        switch (between(0, 6)) {
            case 0 -> selection = mutate(selection);
            case 1 -> queryText = queryText + "x";
            case 2 -> {
                fields = new ArrayList<>(fields);
                fields.add("another_field");
            }
            case 3 -> {
                // The weights and the interpolation go with the score mode: change them together.
                scoreMode = randomValueOtherThan(scoreMode, () -> randomFrom(ScoreMode.values()));
                queryWeight = 1f;
                rescoreQueryWeight = 1f;
                interpolation = scoreMode == ScoreMode.INTERPOLATE ? Interpolation.DEFAULT : null;
            }
            case 4 -> {
                if (interpolation == null) {
                    rescoreQueryWeight += 1;
                } else {
                    interpolation =
                            new Interpolation(interpolation.normalization(), interpolation.weight() == 1f ? 0f : 1f);
                }
            }
            case 5 -> windowSize += 1;
            default -> windows = PassageWindows.ON.equals(windows) ? PassageWindows.OFF : PassageWindows.ON;
        }
        return builder(selection, queryText, fields, scoreMode, queryWeight, rescoreQueryWeight, interpolation)
                .passageWindows(windows)
                .windowSize(windowSize);
    }

    private static CrossEncoderRescorerBuilder builder(
            ModelSelection selection,
            String queryText,
            List<String> fields,
            ScoreMode scoreMode,
            float queryWeight,
            float rescoreQueryWeight,
            Interpolation interpolation) {
        return new CrossEncoderRescorerBuilder(
                () -> null,
                SEARCHES,
                selection,
                queryText,
                fields,
                new ScoreCombination(scoreMode, queryWeight, rescoreQueryWeight, interpolation));
    }

    @Override
    protected Writeable.Reader<CrossEncoderRescorerBuilder> instanceReader() {
        return in -> new CrossEncoderRescorerBuilder(in, () -> null, SEARCHES);
    }
}
