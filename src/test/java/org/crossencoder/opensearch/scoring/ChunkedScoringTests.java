/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.scoring;

import static org.hamcrest.Matchers.containsString;

import java.util.List;
import org.crossencoder.opensearch.engine.CrossEncoderModel;
import org.crossencoder.opensearch.engine.GeneratedTinyModel;
import org.crossencoder.opensearch.engine.InferenceBudget;
import org.crossencoder.opensearch.engine.LongDocuments;
import org.crossencoder.opensearch.engine.PassageSplitting;
import org.crossencoder.opensearch.engine.TestTasks;
import org.crossencoder.opensearch.ranking.Chunks;
import org.crossencoder.opensearch.ranking.PassageReader;
import org.crossencoder.opensearch.ranking.PassageScores;
import org.crossencoder.opensearch.ranking.PassageWindowScores;
import org.crossencoder.opensearch.ranking.PassageWindows;
import org.junit.ClassRule;
import org.junit.Test;
import org.opensearch.common.unit.TimeValue;
import org.opensearch.core.tasks.TaskCancelledException;
import org.opensearch.tasks.CancellableTask;
import org.opensearch.test.OpenSearchTestCase;

/**
 * Documents made of chunks through the inference service: each chunk is a pair of its own (or several, in windows),
 * their scores combine into the document's, the best one is reported, and chunks count against the request's time,
 * cancellation and pair limit as windows do.
 */
public class ChunkedScoringTests extends OpenSearchTestCase {

    @ClassRule
    public static final GeneratedModelInference GENERATED = new GeneratedModelInference();

    private static final String QUERY = "how many people live in berlin";
    private static final List<String> CHUNKS = List.of(
            "berlin is the capital of germany",
            "the city has many museums and parks",
            "berlin has a population of about four million people",
            "the river spree flows through the city");

    private static ScoringPlan plan(PassageWindows.Resolved windows, Chunks chunks) {
        CrossEncoderModel model = GENERATED.service().models().model(GeneratedTinyModel.NAME);
        return GENERATED.service().plan(Ensemble.of(model), QUERY, windows, chunks);
    }

    private static Chunks chunks(PassageWindows.Combine combine, Integer maxChunks) {
        return new Chunks("passage_chunks", combine, maxChunks, null, null);
    }

    @Test
    public void everyChunkIsAPairAndTheirScoresMakeTheDocuments() throws Exception {
        float[] direct = GENERATED.reference().score(QUERY, CHUNKS);
        PassageReader.Passage document = PassageReader.Passage.ofChunks(CHUNKS);
        for (PassageWindows.Combine combine : PassageWindows.Combine.values()) {
            PassageScores scores = plan(null, chunks(combine, null))
                    .scoreReadAndWait(
                            List.of(document, PassageReader.Passage.ofChunks(List.of())), InferenceBudget.UNLIMITED);
            assertEquals(combine.toString(), combine.combine(direct), scores.score(0), 1e-5f);
            PassageWindowScores parts = scores.windows(0);
            assertEquals("one part per chunk", CHUNKS.size(), parts.count());
            assertArrayEquals(direct, parts.scores(), 1e-5f);
            int best = PassageWindows.best(direct);
            assertEquals(CHUNKS.get(best), parts.bestText());
            assertEquals(best, parts.bestChunkAsMap().get("chunk"));
            assertEquals(CHUNKS.size(), parts.bestChunkAsMap().get("of"));
            assertEquals(
                    "a document without chunks is read as one empty chunk",
                    GENERATED.reference().score(QUERY, List.of(""))[0],
                    scores.score(1),
                    1e-5f);
        }
        PassageScores firstTwo = plan(null, chunks(PassageWindows.Combine.MAX, 2))
                .scoreReadAndWait(List.of(document), InferenceBudget.UNLIMITED);
        assertEquals(
                "max_chunks reads the first chunks only", 2, firstTwo.windows(0).count());
        assertEquals(Math.max(direct[0], direct[1]), firstTwo.score(0), 1e-5f);
    }

    @Test
    public void aChunkLongerThanAWindowIsReadInWindows() throws Exception {
        String longChunk = LongDocuments.randomText(120, 13);
        List<String> chunks = List.of(CHUNKS.get(0), longChunk);
        PassageWindows.Resolved windows = new PassageWindows.Resolved(20, 4, 100, PassageWindows.Combine.MAX, false);
        PassageSplitting split = new PassageSplitting(GENERATED.reference(), List.of(longChunk), windows);
        while (split.hasNextStep()) {
            split.step();
        }
        float[] longWindows =
                GENERATED.reference().score(QUERY, split.result(false).windowTexts());
        assertTrue("the long chunk is several windows", longWindows.length > 1);
        float shortScore = GENERATED.reference().score(QUERY, List.of(CHUNKS.get(0)))[0];
        PassageScores scores = plan(windows, chunks(PassageWindows.Combine.MEAN, null))
                .scoreReadAndWait(List.of(PassageReader.Passage.ofChunks(chunks)), InferenceBudget.UNLIMITED);
        float longScore = PassageWindows.Combine.MAX.combine(longWindows);
        assertEquals(
                "chunk scores: max of windows, document: mean of chunks",
                (shortScore + longScore) / 2,
                scores.score(0),
                1e-5f);
        assertArrayEquals(new float[] {shortScore, longScore}, scores.windows(0).scores(), 1e-5f);
        assertEquals(2, scores.windows(0).count());
    }

    @Test
    public void textsScoredWithChunksAreDocumentsOfOneChunk() throws Exception {
        List<String> texts = List.of(CHUNKS.get(0), CHUNKS.get(2));
        PassageScores scores = plan(null, chunks(null, null)).scoreAndWait(texts, InferenceBudget.UNLIMITED);
        assertArrayEquals(
                GENERATED.reference().score(QUERY, texts), new float[] {scores.score(0), scores.score(1)}, 1e-5f);
    }

    @Test
    public void chunksHonourTheRequestsTimeAndCancellation() {
        PassageReader.Passage document = PassageReader.Passage.ofChunks(CHUNKS);
        PassageScores late = plan(null, chunks(null, null))
                .scoreReadAndWait(List.of(document), InferenceBudget.of(null, TimeValue.ZERO, System.nanoTime()));
        assertTrue(late.timedOut());
        assertEquals("out of time before any chunk: nothing scored", 0, late.scoredCount());
        CancellableTask task = TestTasks.cancelled();
        assertThrows(
                TaskCancelledException.class,
                () -> plan(null, chunks(null, null))
                        .scoreReadAndWait(List.of(document), InferenceBudget.of(task, null, 0)));
    }

    @Test
    public void chunksCountAsPairs() {
        Chunks forty = chunks(null, 40);
        GENERATED.service().limits().checkPairLimit(125, null, forty, 1, "[test] hits", "");
        String message = assertThrows(
                        IllegalArgumentException.class,
                        () -> GENERATED.service().limits().checkPairLimit(126, null, forty, 1, "[test] hits", ""))
                .getMessage();
        assertThat(
                message,
                containsString("[test] hits [126] read as up to [chunks] [max_chunks] [40] chunks each can make [5040] "
                        + "pairs"));
        assertThat(message, containsString("rerank fewer hits or score fewer chunks ([max_chunks])"));
        PassageWindows.Resolved windows = new PassageWindows.Resolved(20, 4, 4, PassageWindows.Combine.MAX, false);
        String both = assertThrows(
                        IllegalArgumentException.class,
                        () -> GENERATED.service().limits().checkPairLimit(32, windows, forty, 1, "[test] hits", ""))
                .getMessage();
        assertThat(
                both,
                containsString("[32] read as up to [chunks] [max_chunks] [40] chunks each, read in up to "
                        + "[passage_windows] [max_windows] [4] windows each can make [5120] pairs"));
        assertThat(
                "a request's chunks are checked when it is planned",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> GENERATED
                                        .service()
                                        .planServed(ScoringRequest.of(ModelSelection.DEFAULT, QUERY, "[test]")
                                                .passages(200, "[test] hits", "")
                                                .chunks(Chunks.of("c"))))
                        .getMessage(),
                containsString("[test] hits [200] read as up to [chunks] [max_chunks] [32] chunks each"));
    }
}
