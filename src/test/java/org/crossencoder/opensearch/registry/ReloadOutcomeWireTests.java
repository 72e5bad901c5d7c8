/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.registry;

import org.crossencoder.opensearch.wire.CrossEncoderWireTestCase;
import org.opensearch.core.common.io.stream.Writeable;

public class ReloadOutcomeWireTests extends CrossEncoderWireTestCase<ReloadOutcome> {

    @Override
    protected ReloadOutcome createTestInstance() {
        ReloadOutcome.Change change = randomFrom(ReloadOutcome.Change.values());
        return new ReloadOutcome(
                randomAlphaOfLength(8),
                change,
                change == ReloadOutcome.Change.FAILED ? randomUnicodeOfLength(20) : null);
    }

    @Override
    protected ReloadOutcome mutateInstance(ReloadOutcome o) {
        return switch (between(0, 2)) {
            case 0 -> new ReloadOutcome(o.model() + "x", o.change(), o.error());
            case 1 ->
                new ReloadOutcome(
                        o.model(),
                        randomValueOtherThan(o.change(), () -> randomFrom(ReloadOutcome.Change.values())),
                        o.error());
            default -> new ReloadOutcome(o.model(), o.change(), o.error() == null ? "an error" : null);
        };
    }

    @Override
    protected Writeable.Reader<ReloadOutcome> instanceReader() {
        return ReloadOutcome::new;
    }
}
