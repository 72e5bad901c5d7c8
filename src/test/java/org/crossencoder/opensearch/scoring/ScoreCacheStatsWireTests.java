/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.scoring;

import org.crossencoder.opensearch.wire.CrossEncoderWireTestCase;
import org.opensearch.core.common.io.stream.Writeable;

/** The score cache's counters as a node reports them. */
public class ScoreCacheStatsWireTests extends CrossEncoderWireTestCase<ScoreCache.Stats> {

    @Override
    protected ScoreCache.Stats createTestInstance() {
        return new ScoreCache.Stats(
                randomNonNegativeLong(),
                randomNonNegativeLong(),
                randomNonNegativeLong(),
                randomNonNegativeLong(),
                randomNonNegativeLong());
    }

    @Override
    protected ScoreCache.Stats mutateInstance(ScoreCache.Stats s) {
        return switch (between(0, 4)) {
            case 0 -> new ScoreCache.Stats(s.entries() ^ 1, s.memorySizeInBytes(), s.hits(), s.misses(), s.evictions());
            case 1 -> new ScoreCache.Stats(s.entries(), s.memorySizeInBytes() ^ 1, s.hits(), s.misses(), s.evictions());
            case 2 -> new ScoreCache.Stats(s.entries(), s.memorySizeInBytes(), s.hits() ^ 1, s.misses(), s.evictions());
            case 3 -> new ScoreCache.Stats(s.entries(), s.memorySizeInBytes(), s.hits(), s.misses() ^ 1, s.evictions());
            default ->
                new ScoreCache.Stats(s.entries(), s.memorySizeInBytes(), s.hits(), s.misses(), s.evictions() ^ 1);
        };
    }

    @Override
    protected Writeable.Reader<ScoreCache.Stats> instanceReader() {
        return ScoreCache.Stats::new;
    }
}
