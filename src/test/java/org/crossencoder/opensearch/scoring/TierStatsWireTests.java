/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.scoring;

import java.util.SortedMap;
import java.util.TreeMap;
import org.crossencoder.opensearch.wire.CrossEncoderWireTestCase;
import org.opensearch.core.common.io.stream.Writeable;

/** The reranking tier's counters as a node reports them. */
public class TierStatsWireTests extends CrossEncoderWireTestCase<TierStats.Snapshot> {

    @Override
    protected TierStats.Snapshot createTestInstance() {
        SortedMap<String, TierStats.SentSnapshot> sent = new TreeMap<>();
        for (int i = between(0, 3); i > 0; i--) {
            sent.put(
                    randomAlphaOfLength(6),
                    new TierStats.SentSnapshot(
                            randomNonNegativeLong(),
                            randomNonNegativeLong(),
                            randomNonNegativeLong(),
                            randomNonNegativeLong(),
                            randomNonNegativeLong(),
                            randomNonNegativeLong(),
                            randomNonNegativeLong()));
        }
        return new TierStats.Snapshot(
                randomBoolean(), randomNonNegativeLong(), randomNonNegativeLong(), randomNonNegativeLong(), sent);
    }

    @Override
    protected TierStats.Snapshot mutateInstance(TierStats.Snapshot s) {
        return switch (between(0, 4)) {
            case 0 ->
                new TierStats.Snapshot(
                        s.member() == false, s.servedRequests(), s.servedPassages(), s.localFallbacks(), s.sent());
            case 1 ->
                new TierStats.Snapshot(
                        s.member(), s.servedRequests() ^ 1, s.servedPassages(), s.localFallbacks(), s.sent());
            case 2 ->
                new TierStats.Snapshot(
                        s.member(), s.servedRequests(), s.servedPassages() ^ 1, s.localFallbacks(), s.sent());
            case 3 ->
                new TierStats.Snapshot(
                        s.member(), s.servedRequests(), s.servedPassages(), s.localFallbacks() ^ 1, s.sent());
            default -> {
                SortedMap<String, TierStats.SentSnapshot> sent = new TreeMap<>(s.sent());
                sent.put("another-node", new TierStats.SentSnapshot(1, 2, 3, 4, 5, 6, 7));
                yield new TierStats.Snapshot(
                        s.member(), s.servedRequests(), s.servedPassages(), s.localFallbacks(), sent);
            }
        };
    }

    @Override
    protected Writeable.Reader<TierStats.Snapshot> instanceReader() {
        return TierStats.Snapshot::new;
    }
}
