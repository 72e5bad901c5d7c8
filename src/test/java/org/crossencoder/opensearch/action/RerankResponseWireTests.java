/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.action;

import java.util.ArrayList;
import java.util.List;
import org.crossencoder.opensearch.wire.CrossEncoderWireTestCase;
import org.opensearch.core.common.io.stream.Writeable;

public class RerankResponseWireTests extends CrossEncoderWireTestCase<RerankResponse> {

    @Override
    protected RerankResponse createTestInstance() {
        List<RerankResponse.Result> results = new ArrayList<>();
        for (int i = 0; i < between(0, 20); i++) {
            results.add(new RerankResponse.Result(i, randomBoolean() ? null : randomFloat() * 20 - 10));
        }
        return new RerankResponse(randomAlphaOfLength(10), randomNonNegativeLong(), randomBoolean(), results);
    }

    @Override
    protected RerankResponse mutateInstance(RerankResponse r) {
        return switch (between(0, 3)) {
            case 0 -> new RerankResponse(r.model() + "x", r.tookMillis(), r.timedOut(), r.results());
            case 1 -> new RerankResponse(r.model(), r.tookMillis() + 1, r.timedOut(), r.results());
            case 2 -> new RerankResponse(r.model(), r.tookMillis(), r.timedOut() == false, r.results());
            default -> {
                List<RerankResponse.Result> results = new ArrayList<>(r.results());
                results.add(new RerankResponse.Result(results.size(), 1f));
                yield new RerankResponse(r.model(), r.tookMillis(), r.timedOut(), results);
            }
        };
    }

    @Override
    protected Writeable.Reader<RerankResponse> instanceReader() {
        return RerankResponse::new;
    }
}
