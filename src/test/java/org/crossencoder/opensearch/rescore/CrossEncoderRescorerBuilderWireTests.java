/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.rescore;

import java.util.ArrayList;
import java.util.List;
import org.crossencoder.opensearch.wire.CrossEncoderWireTestCase;
import org.opensearch.core.common.io.stream.Writeable;

public class CrossEncoderRescorerBuilderWireTests extends CrossEncoderWireTestCase<CrossEncoderRescorerBuilder> {

    private static final ShardSearches SEARCHES = new ShardSearches();

    @Override
    protected CrossEncoderRescorerBuilder createTestInstance() {
        return builder(
                        randomBoolean() ? null : randomAlphaOfLengthBetween(1, 20),
                        randomAlphaOfLength(1) + randomUnicodeOfLengthBetween(0, 50),
                        randomList(1, 4, () -> randomAlphaOfLengthBetween(1, 10)),
                        randomFrom(ScoreMode.values()),
                        randomFloat(),
                        randomFloat())
                .windowSize(randomIntBetween(1, 1000));
    }

    @Override
    protected CrossEncoderRescorerBuilder mutateInstance(CrossEncoderRescorerBuilder b) {
        String model = b.model();
        String queryText = b.queryText();
        List<String> fields = b.fields();
        ScoreMode scoreMode = b.scoreMode();
        float queryWeight = b.queryWeight();
        float rescoreQueryWeight = b.rescoreQueryWeight();
        int windowSize = b.windowSize();
        switch (between(0, 6)) {
            case 0 -> model = model == null ? "other" : model + "x";
            case 1 -> queryText = queryText + "x";
            case 2 -> {
                fields = new ArrayList<>(fields);
                fields.add("another_field");
            }
            case 3 -> scoreMode = randomValueOtherThan(scoreMode, () -> randomFrom(ScoreMode.values()));
            case 4 -> queryWeight += 1;
            case 5 -> rescoreQueryWeight += 1;
            default -> windowSize += 1;
        }
        return builder(model, queryText, fields, scoreMode, queryWeight, rescoreQueryWeight)
                .windowSize(windowSize);
    }

    private static CrossEncoderRescorerBuilder builder(
            String model,
            String queryText,
            List<String> fields,
            ScoreMode scoreMode,
            float queryWeight,
            float rescoreQueryWeight) {
        return new CrossEncoderRescorerBuilder(
                () -> null, SEARCHES, model, queryText, fields, scoreMode, queryWeight, rescoreQueryWeight);
    }

    @Override
    protected Writeable.Reader<CrossEncoderRescorerBuilder> instanceReader() {
        return in -> new CrossEncoderRescorerBuilder(in, () -> null, SEARCHES);
    }
}
