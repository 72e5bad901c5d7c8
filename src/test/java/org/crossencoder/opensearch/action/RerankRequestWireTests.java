/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.action;

import java.util.ArrayList;
import java.util.List;
import org.crossencoder.opensearch.ranking.Chunks;
import org.crossencoder.opensearch.ranking.PassageWindows;
import org.crossencoder.opensearch.scoring.ModelSelection;
import org.crossencoder.opensearch.wire.CrossEncoderWireTestCase;
import org.opensearch.common.unit.TimeValue;
import org.opensearch.core.common.io.stream.Writeable;

public class RerankRequestWireTests extends CrossEncoderWireTestCase<RerankRequest> {

    @Override
    protected RerankRequest createTestInstance() {
        RerankRequest request = new RerankRequest(
                        randomModelSelection(),
                        randomUnicodeOfLengthBetween(1, 50),
                        randomList(1, 20, () -> randomUnicodeOfLengthBetween(0, 80)),
                        randomBoolean() ? null : randomIntBetween(1, 100),
                        randomBoolean() ? null : TimeValue.timeValueMillis(randomNonNegativeLong() % 100_000))
                .passageWindows(randomBoolean() ? null : randomPassageWindows())
                .minScore(randomBoolean() ? null : randomFloat());
        return randomBoolean()
                ? request
                : request.chunked(
                        randomChunks(false),
                        randomList(1, 10, () -> randomList(1, 5, () -> randomUnicodeOfLengthBetween(1, 40))));
    }

    @Override
    protected RerankRequest mutateInstance(RerankRequest r) {
        ModelSelection selection = r.selection();
        Float minScore = r.minScore();
        String queryText = r.queryText();
        List<String> texts = r.texts();
        Integer topN = r.topN();
        TimeValue timeout = r.timeout();
        PassageWindows windows = r.passageWindows();
        if (r.chunks() != null || randomInt(7) == 0) {
            // Chunked documents differ by their chunks, or by being chunked.
            RerankRequest plain = new RerankRequest(r.selection(), r.queryText(), r.texts(), r.topN(), r.timeout())
                    .passageWindows(r.passageWindows())
                    .minScore(r.minScore());
            return r.chunks() != null ? plain : plain.chunked(Chunks.of("c"), List.of(List.of("a chunk")));
        }
        switch (between(0, 6)) {
            case 0 -> selection = mutate(selection);
            case 5 -> minScore = minScore == null ? 0.5f : null;
            case 1 -> queryText = queryText + "x";
            case 2 -> {
                texts = new ArrayList<>(texts);
                texts.add("another text");
            }
            case 3 -> topN = topN == null ? 1 : topN + 1;
            case 4 -> timeout = timeout == null ? TimeValue.timeValueSeconds(1) : null;
            default -> windows = PassageWindows.ON.equals(windows) ? PassageWindows.OFF : PassageWindows.ON;
        }
        return new RerankRequest(selection, queryText, texts, topN, timeout)
                .passageWindows(windows)
                .minScore(minScore);
    }

    @Override
    protected Writeable.Reader<RerankRequest> instanceReader() {
        return RerankRequest::new;
    }
}
