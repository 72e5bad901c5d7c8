/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.action;

import java.util.ArrayList;
import java.util.List;
import org.crossencoder.opensearch.ranking.PassageWindowScores;
import org.crossencoder.opensearch.wire.CrossEncoderWireTestCase;
import org.opensearch.core.common.io.stream.Writeable;

public class RerankResponseWireTests extends CrossEncoderWireTestCase<RerankResponse> {

    @Override
    protected RerankResponse createTestInstance() {
        List<RerankResponse.Result> results = new ArrayList<>();
        for (int i = 0; i < between(0, 20); i++) {
            Float score = randomBoolean() ? null : randomFloat() * 20 - 10;
            results.add(new RerankResponse.Result(i, score, score != null && randomBoolean() ? randomWindows() : null));
        }
        return new RerankResponse(
                randomList(1, 3, () -> randomAlphaOfLength(10)),
                randomNonNegativeLong(),
                randomBoolean(),
                results,
                randomBoolean());
    }

    /** One passage's windows as the model scored them. */
    public static PassageWindowScores randomWindows() {
        int count = between(1, 5);
        int[] starts = new int[count];
        int[] ends = new int[count];
        float[] scores = new float[count];
        for (int i = 0; i < count; i++) {
            starts[i] = i * 10;
            ends[i] = i * 10 + between(1, 20);
            scores[i] = randomFloat();
        }
        return new PassageWindowScores(starts, ends, scores, randomUnicodeOfLengthBetween(0, 30))
                .withBestInFields(
                        randomBoolean()
                                ? List.of()
                                : List.of(
                                        new PassageWindowScores.FieldRange(randomAlphaOfLength(5), 0, between(1, 20))));
    }

    @Override
    protected RerankResponse mutateInstance(RerankResponse r) {
        return switch (between(0, 4)) {
            case 0 ->
                new RerankResponse(List.of("another-model"), r.tookMillis(), r.timedOut(), r.results(), r.chunked());
            case 1 -> new RerankResponse(r.models(), r.tookMillis() + 1, r.timedOut(), r.results(), r.chunked());
            case 2 -> new RerankResponse(r.models(), r.tookMillis(), r.timedOut() == false, r.results(), r.chunked());
            case 3 -> new RerankResponse(r.models(), r.tookMillis(), r.timedOut(), r.results(), r.chunked() == false);
            default -> {
                List<RerankResponse.Result> results = new ArrayList<>(r.results());
                results.add(new RerankResponse.Result(results.size(), 1f));
                yield new RerankResponse(r.models(), r.tookMillis(), r.timedOut(), results, r.chunked());
            }
        };
    }

    @Override
    protected Writeable.Reader<RerankResponse> instanceReader() {
        return RerankResponse::new;
    }
}
