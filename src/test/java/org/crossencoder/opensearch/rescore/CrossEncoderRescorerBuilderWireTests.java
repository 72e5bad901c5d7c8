/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.rescore;

import java.util.ArrayList;
import java.util.List;
import org.crossencoder.opensearch.ranking.BlendOptions;
import org.crossencoder.opensearch.ranking.Chunks;
import org.crossencoder.opensearch.ranking.Interpolation;
import org.crossencoder.opensearch.ranking.PassageWindows;
import org.crossencoder.opensearch.ranking.ScoreMode;
import org.crossencoder.opensearch.scoring.ModelSelection;
import org.crossencoder.opensearch.wire.CrossEncoderWireTestCase;
import org.opensearch.core.common.io.stream.Writeable;

public class CrossEncoderRescorerBuilderWireTests extends CrossEncoderWireTestCase<CrossEncoderRescorerBuilder> {

    private static final ShardSearches SEARCHES = new ShardSearches();

    @Override
    protected CrossEncoderRescorerBuilder createTestInstance() {
        Chunks chunks = randomBoolean() ? null : randomChunks(false);
        return builder(
                        randomModelSelection(),
                        randomAlphaOfLength(1) + randomUnicodeOfLengthBetween(0, 50),
                        chunks != null
                                ? List.of(chunks.field())
                                : randomList(1, 4, () -> randomAlphaOfLengthBetween(1, 10)),
                        randomBlend())
                .passageWindows(randomBoolean() ? null : randomPassageWindows())
                .chunks(chunks)
                .windowSize(randomIntBetween(1, 1000));
    }

    /** Options as a request gives them: each one left out (the model's default applies) or given. */
    private static BlendOptions randomBlend() {
        ScoreMode scoreMode = randomBoolean() ? null : randomFrom(ScoreMode.values());
        boolean raw = scoreMode != null && scoreMode != ScoreMode.INTERPOLATE;
        boolean interpolates = scoreMode == ScoreMode.INTERPOLATE || (scoreMode == null && randomBoolean());
        return new BlendOptions(
                scoreMode,
                raw && randomBoolean() ? randomFloat() : null,
                raw && randomBoolean() ? randomFloat() : null,
                interpolates && randomBoolean() ? randomFrom(Interpolation.Normalization.values()) : null,
                interpolates && randomBoolean() ? randomFloat() : null);
    }

    @Override
    protected CrossEncoderRescorerBuilder mutateInstance(CrossEncoderRescorerBuilder b) {
        ModelSelection selection = b.selection();
        String queryText = b.queryText();
        List<String> fields = b.fields();
        BlendOptions blend = b.blend();
        int windowSize = b.windowSize();
        PassageWindows windows = b.passageWindows();
        Chunks chunks = b.chunks();
        switch (between(0, 6)) {
            case 0 -> selection = mutate(selection);
            case 1 -> queryText = queryText + "x";
            case 2 -> {
                fields = new ArrayList<>(fields);
                fields.add("another_field");
                chunks = null;
            }
            case 6 -> {
                chunks = chunks == null ? Chunks.of(fields.get(0)) : null;
                fields = List.of(fields.get(0));
            }
            case 3 -> blend = randomValueOtherThan(blend, CrossEncoderRescorerBuilderWireTests::randomBlend);
            case 4 -> windowSize += 1;
            default -> windows = PassageWindows.ON.equals(windows) ? PassageWindows.OFF : PassageWindows.ON;
        }
        return builder(selection, queryText, fields, blend)
                .passageWindows(windows)
                .chunks(chunks)
                .windowSize(windowSize);
    }

    private static CrossEncoderRescorerBuilder builder(
            ModelSelection selection, String queryText, List<String> fields, BlendOptions blend) {
        return new CrossEncoderRescorerBuilder(() -> null, SEARCHES, selection, queryText, fields, blend);
    }

    @Override
    protected Writeable.Reader<CrossEncoderRescorerBuilder> instanceReader() {
        return in -> new CrossEncoderRescorerBuilder(in, () -> null, SEARCHES);
    }
}
