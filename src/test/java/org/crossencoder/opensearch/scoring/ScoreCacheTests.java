/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.scoring;

import java.util.BitSet;
import java.util.List;
import org.crossencoder.opensearch.ranking.PassageScores;
import org.junit.Test;
import org.opensearch.common.io.stream.BytesStreamOutput;
import org.opensearch.core.common.unit.ByteSizeValue;
import org.opensearch.test.OpenSearchTestCase;

public class ScoreCacheTests extends OpenSearchTestCase {

    private final ScoreCache cache = new ScoreCache(new ByteSizeValue(1_000 * ScoreCache.ENTRY_BYTES));

    @Test
    public void answersRepeatedPairsAndAsksOnlyForTheRest() {
        ScoreCache.Lookup first = cache.lookup("m", "q", List.of("a", "b"));
        assertEquals(List.of("a", "b"), first.missingPassages());
        assertArrayEquals(
                new float[] {1f, 2f},
                first.complete(PassageScores.complete(new float[] {1f, 2f})).scores(),
                0f);

        ScoreCache.Lookup second = cache.lookup("m", "q", List.of("c", "b", "a"));
        assertEquals(List.of("c"), second.missingPassages());
        assertArrayEquals(
                new float[] {3f, 2f, 1f},
                second.complete(PassageScores.complete(new float[] {3f})).scores(),
                0f);

        ScoreCache.Stats stats = cache.stats();
        assertEquals(3, stats.entries());
        assertEquals(2, stats.hits());
        assertEquals(3, stats.misses());
        assertEquals(3 * ScoreCache.ENTRY_BYTES, stats.memorySizeInBytes());
    }

    @Test
    public void keepsWhatATimedOutRequestScoredAndCachesOnlyThat() {
        cache.lookup("m", "q", List.of("cached")).complete(PassageScores.complete(new float[] {9f}));
        ScoreCache.Lookup lookup = cache.lookup("m", "q", List.of("a", "cached", "b"));
        BitSet reached = new BitSet();
        reached.set(1);
        PassageScores merged = lookup.complete(new PassageScores(new float[] {0f, 2f}, reached, true));
        assertTrue(merged.timedOut());
        assertFalse("the model never reached a", merged.isScored(0));
        assertEquals(9f, merged.score(1), 0f);
        assertEquals(2f, merged.score(2), 0f);
        assertEquals(List.of("a"), cache.lookup("m", "q", List.of("a", "b")).missingPassages());
    }

    @Test
    public void identicalPassagesGoToTheModelOnceEvenWithTheCacheOff() {
        for (ScoreCache anyCache : List.of(cache, new ScoreCache(ByteSizeValue.ZERO))) {
            ScoreCache.Lookup lookup = anyCache.lookup("m", "q", List.of("a", "", "a", "b", ""));
            assertEquals(List.of("a", "", "b"), lookup.missingPassages());
            BitSet reached = new BitSet(3);
            reached.set(0);
            reached.set(1);
            PassageScores scores = lookup.complete(new PassageScores(new float[] {1f, 2f, 0f}, reached, true));
            assertEquals(1f, scores.score(0), 0f);
            assertEquals(2f, scores.score(1), 0f);
            assertEquals(1f, scores.score(2), 0f);
            assertFalse("the timeout stopped the model before [b]", scores.isScored(3));
            assertEquals(2f, scores.score(4), 0f);
        }
    }

    @Test
    public void keyIsModelQueryAndPassage() {
        cache.lookup("m", "ab", List.of("c")).complete(PassageScores.complete(new float[] {1f}));
        assertEquals(
                "another model",
                List.of("c"),
                cache.lookup("other", "ab", List.of("c")).missingPassages());
        assertEquals(
                "another query",
                List.of("c"),
                cache.lookup("m", "abc", List.of("c")).missingPassages());
        assertEquals(
                "another passage",
                List.of("cd"),
                cache.lookup("m", "ab", List.of("cd")).missingPassages());
        assertEquals(
                "same concatenation, other split",
                List.of("bc"),
                cache.lookup("m", "a", List.of("bc")).missingPassages());
        assertEquals(List.of(), cache.lookup("m", "ab", List.of("c")).missingPassages());
    }

    @Test
    public void staysWithinItsSizeEvictingTheLeastRecentlyUsed() {
        ScoreCache small = new ScoreCache(new ByteSizeValue(10 * ScoreCache.ENTRY_BYTES));
        small.lookup("m", "q", List.of("kept")).complete(PassageScores.complete(new float[] {0f}));
        for (int i = 0; i < 100; i++) {
            small.lookup("m", "q", List.of("kept")); // recently used, so not evicted
            small.lookup("m", "q", List.of("passage " + i)).complete(PassageScores.complete(new float[] {i}));
        }
        ScoreCache.Stats stats = small.stats();
        assertEquals(10, stats.entries());
        assertEquals(91, stats.evictions());
        assertTrue(small.lookup("m", "q", List.of("kept")).missingPassages().isEmpty());
        assertEquals(
                List.of("passage 0"),
                small.lookup("m", "q", List.of("passage 0")).missingPassages());
    }

    @Test
    public void sizeZeroTurnsItOffAndResizingEmptiesIt() {
        cache.lookup("m", "q", List.of("a")).complete(PassageScores.complete(new float[] {1f}));
        cache.resize(ByteSizeValue.ZERO);
        ScoreCache.Lookup off = cache.lookup("m", "q", List.of("a"));
        assertEquals(List.of("a"), off.missingPassages());
        off.complete(PassageScores.complete(new float[] {1f}));
        assertEquals(0, cache.stats().entries());

        cache.resize(new ByteSizeValue(10 * ScoreCache.ENTRY_BYTES));
        cache.lookup("m", "q", List.of("a")).complete(PassageScores.complete(new float[] {1f}));
        assertEquals(1, cache.stats().entries());
        cache.resize(new ByteSizeValue(20 * ScoreCache.ENTRY_BYTES));
        assertEquals(0, cache.stats().entries());
    }

    @Test
    public void countersOutliveAResize() {
        cache.lookup("m", "q", List.of("a")).complete(PassageScores.complete(new float[] {1f}));
        cache.lookup("m", "q", List.of("a"));
        cache.resize(ByteSizeValue.ZERO);
        cache.resize(new ByteSizeValue(10 * ScoreCache.ENTRY_BYTES));
        cache.lookup("m", "q", List.of("a"));
        ScoreCache.Stats stats = cache.stats();
        assertEquals(0, stats.entries());
        assertEquals(1, stats.hits());
        assertEquals(2, stats.misses());
    }

    @Test
    public void statsTravelBetweenNodes() throws Exception {
        ScoreCache.Stats stats = new ScoreCache.Stats(1, 2, 3, 4, 5);
        try (BytesStreamOutput out = new BytesStreamOutput()) {
            stats.writeTo(out);
            assertEquals(stats, new ScoreCache.Stats(out.bytes().streamInput()));
        }
    }
}
