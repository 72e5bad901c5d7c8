/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.scoring;

import static org.hamcrest.Matchers.containsString;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.stream.IntStream;
import org.crossencoder.opensearch.engine.GeneratedTinyModel;
import org.crossencoder.opensearch.engine.InferenceBudget;
import org.crossencoder.opensearch.ranking.Chunks;
import org.crossencoder.opensearch.ranking.PassageReader;
import org.crossencoder.opensearch.ranking.PassageScores;
import org.crossencoder.opensearch.ranking.PassageWindows;
import org.junit.After;
import org.junit.ClassRule;
import org.junit.Test;
import org.opensearch.OpenSearchStatusException;
import org.opensearch.action.support.PlainActionFuture;
import org.opensearch.common.io.stream.BytesStreamOutput;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.test.OpenSearchTestCase;

/**
 * A plan whose work the reranking tier takes: the work crosses the wire and is scored by the receiving side
 * ({@link InferenceService#scoreSentWork}) with the same scores as scoring here, windows and chunks included; without
 * the tier, or when it falls back, the node scores itself.
 */
public class TierScorerTests extends OpenSearchTestCase {

    @ClassRule
    public static final GeneratedModelInference GENERATED = new GeneratedModelInference();

    private static final String QUERY = "how many people live in berlin";
    private static final List<String> TEXTS = List.of(
            "berlin has a population of about four million people who live in the city",
            "the city has many museums and parks",
            "",
            "the river spree flows through the city of berlin, the capital of germany, past its museums");

    /** A tier that sends the work over the wire to this same service, as a node of the tier would score it. */
    private static class LoopbackTier implements ModelTier {
        final List<ScoringWork> sent = new ArrayList<>();
        boolean takes = true;
        boolean fallBack = false;
        /** Parts to split the work in, as a tier of that many nodes would. */
        int parts = 1;

        @Override
        public boolean takesWork() {
            return takes;
        }

        @Override
        public boolean isMember() {
            return false;
        }

        @Override
        public void score(
                ScoringWork work,
                InferenceBudget budget,
                ActionListener<PassageScores> listener,
                BiConsumer<ScoringWork, ActionListener<PassageScores>> here) {
            if (fallBack) {
                here.accept(work, listener);
                return;
            }
            List<PassageScores> scores = new ArrayList<>();
            List<int[]> positions = new ArrayList<>();
            for (int p = 0; p < parts; p++) {
                int from = work.passages() * p / parts;
                int to = work.passages() * (p + 1) / parts;
                PlainActionFuture<PassageScores> part = PlainActionFuture.newFuture();
                try (BytesStreamOutput out = new BytesStreamOutput()) {
                    work.slice(from, to).writeTo(out);
                    ScoringWork received = new ScoringWork(out.bytes().streamInput());
                    sent.add(received);
                    GENERATED.service().scoreSentWork(received, budget, part);
                } catch (Exception e) {
                    listener.onFailure(e);
                    return;
                }
                scores.add(part.actionGet());
                positions.add(IntStream.range(from, to).toArray());
            }
            listener.onResponse(PassageScores.gather(work.passages(), scores, positions));
        }
    }

    private final LoopbackTier tier = new LoopbackTier();

    @After
    public void noTier() {
        GENERATED.service().useTier(null);
    }

    private static ScoringPlan plan(PassageWindows windows, Chunks chunks) {
        PlainActionFuture<ScoringPlan> plan = PlainActionFuture.newFuture();
        GENERATED
                .service()
                .plan(
                        ScoringRequest.of(ModelSelection.of(GeneratedTinyModel.NAME, null, null), QUERY, "[test]")
                                .windows(windows)
                                .chunks(chunks),
                        plan);
        return plan.actionGet();
    }

    private static PassageScores score(PassageWindows windows) {
        return plan(windows, null).scoreAndWait(TEXTS, InferenceBudget.UNLIMITED);
    }

    private static PassageScores scoreChunks() {
        Chunks chunks = new Chunks("passage", PassageWindows.Combine.MEAN, 3, null, null);
        List<PassageReader.Passage> documents = List.of(
                PassageReader.Passage.ofChunks(TEXTS.subList(0, 2)),
                PassageReader.Passage.ofChunks(TEXTS.subList(1, 4)),
                PassageReader.Passage.ofChunks(List.of(TEXTS.get(3))));
        return plan(null, chunks).scoreReadAndWait(documents, InferenceBudget.UNLIMITED);
    }

    private static void assertSameScores(PassageScores expected, PassageScores actual) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            assertTrue(actual.isScored(i));
            assertEquals(expected.score(i), actual.score(i), 1e-5f);
        }
    }

    @Test
    public void theTierScoresPassagesWindowsAndChunksAsThisNodeWould() {
        PassageWindows windows = new PassageWindows(true, 8, 4, 10, PassageWindows.Combine.MAX, true);
        PassageScores here = score(null);
        PassageScores hereInWindows = score(windows);
        PassageScores hereInChunks = scoreChunks();
        long servedBefore = GENERATED.service().tierStats().snapshot(false).servedPassages();

        GENERATED.service().useTier(tier);
        assertSameScores(here, score(null));
        assertSameScores(hereInWindows, score(windows));
        assertSameScores(hereInChunks, scoreChunks());

        assertEquals(3, tier.sent.size());
        for (ScoringWork work : tier.sent) {
            assertTrue("pinned to this node's version", work.selection().isPinned());
            assertEquals("node-1", work.plannedOn());
        }
        assertNull(tier.sent.get(0).windows());
        assertEquals(8, tier.sent.get(1).windows().length());
        assertEquals(3, tier.sent.get(2).chunks().bounds().length);
        assertEquals(
                servedBefore + 4 + 4 + 3,
                GENERATED.service().tierStats().snapshot(false).servedPassages());
    }

    @Test
    public void workSplitInPartsScoresAsWhole() {
        PassageScores here = score(null);
        PassageScores hereInChunks = scoreChunks();
        tier.parts = 2;
        GENERATED.service().useTier(tier);
        assertSameScores(here, score(null));
        assertSameScores(hereInChunks, scoreChunks());
        assertEquals(4, tier.sent.size());
        assertEquals(
                List.of(2, 2, 1, 2),
                tier.sent.stream().map(ScoringWork::passages).toList());
        assertEquals(2, tier.sent.get(3).chunks().bounds().length);
    }

    @Test
    public void withoutTheTierOrWhenItFallsBackThisNodeScores() {
        PassageScores here = score(null);
        tier.takes = false;
        GENERATED.service().useTier(tier);
        assertSameScores(here, score(null));
        assertTrue(tier.sent.isEmpty());

        tier.takes = true;
        tier.fallBack = true;
        assertSameScores(here, score(null));
        assertTrue(tier.sent.isEmpty());
    }

    @Test
    public void aTierThatRefusesThePlanRefusesTheRequest() {
        GENERATED.service().useTier(new LoopbackTier() {
            @Override
            public boolean takesWork() {
                throw new OpenSearchStatusException("no node of the reranking tier", RestStatus.SERVICE_UNAVAILABLE);
            }
        });
        PlainActionFuture<ScoringPlan> plan = PlainActionFuture.newFuture();
        GENERATED
                .service()
                .plan(ScoringRequest.of(ModelSelection.of(GeneratedTinyModel.NAME, null, null), QUERY, "[test]"), plan);
        OpenSearchStatusException e = expectThrows(OpenSearchStatusException.class, plan::actionGet);
        assertEquals(RestStatus.SERVICE_UNAVAILABLE, e.status());
        assertThat(e.getMessage(), containsString("reranking tier"));
    }

    @Test
    public void workForAVersionThisNodeDoesNotServeIsRefusedWith503() throws Exception {
        ScoringWork work = new ScoringWork(
                new ModelSelection(
                        List.of(new ModelSelection.Member(GeneratedTinyModel.NAME, 1f, "other-version")), null),
                "node-0",
                QUERY,
                TEXTS,
                null,
                null);
        PlainActionFuture<PassageScores> scores = PlainActionFuture.newFuture();
        GENERATED.service().scoreSentWork(work, InferenceBudget.UNLIMITED, scores);
        OpenSearchStatusException e = expectThrows(OpenSearchStatusException.class, scores::actionGet);
        assertEquals(RestStatus.SERVICE_UNAVAILABLE, e.status());
        assertThat(e.getMessage(), containsString("node-0"));
    }
}
