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
 * Passages read in windows through the inference service: every window is a pair of its own, their scores make the
 * passage's, and windows count against the request's time, cancellation and pair limit.
 */
public class WindowedScoringTests extends OpenSearchTestCase {

    @ClassRule
    public static final GeneratedModelInference GENERATED = new GeneratedModelInference();

    private static final String QUERY = "how many people live in berlin";

    /** The windows the engine reads a passage in. */
    private static List<String> windowTexts(String passage, PassageWindows.Resolved windows) {
        PassageSplitting split = new PassageSplitting(GENERATED.reference(), List.of(passage), windows);
        while (split.hasNextStep()) {
            split.step();
        }
        return split.result(false).windowTexts();
    }

    @Test
    public void everyWindowIsAPairAndTheirScoresMakeThePassages() throws Exception {
        String text = LongDocuments.randomText(120, 11);
        String shortText = "berlin has a population of about four million people";
        CrossEncoderModel model = GENERATED.service().models().model(GeneratedTinyModel.NAME);
        List<String> windowTexts =
                windowTexts(text, new PassageWindows.Resolved(20, 4, 100, PassageWindows.Combine.MAX, true));
        float[] direct = GENERATED.reference().score(QUERY, windowTexts);
        float shortDirect = GENERATED.reference().score(QUERY, List.of(shortText))[0];
        for (PassageWindows.Combine combine : PassageWindows.Combine.values()) {
            PassageScores scores = GENERATED
                    .service()
                    .plan(Ensemble.of(model), QUERY, new PassageWindows.Resolved(20, 4, 100, combine, true))
                    .scoreAndWait(List.of(text, shortText), InferenceBudget.UNLIMITED);
            assertEquals(combine.toString(), combine.combine(direct), scores.score(0), 1e-5f);
            assertEquals("one window: the passage's own score", shortDirect, scores.score(1), 1e-5f);
            PassageWindowScores windows = scores.windows(0);
            assertEquals(windowTexts.size(), windows.count());
            assertArrayEquals(direct, windows.scores(), 1e-5f);
            assertEquals(windowTexts.get(PassageWindows.best(direct)), windows.bestText());
            assertEquals(
                    windows.bestText(),
                    text.substring(windows.starts()[windows.best()], windows.ends()[windows.best()]));
            assertEquals(1, scores.windows(1).count());
        }
        assertEquals(
                "without windows: the passage cut at max_length, as before",
                GENERATED.reference().score(QUERY, List.of(text))[0],
                GENERATED
                        .service()
                        .plan(Ensemble.of(model), QUERY, null)
                        .scoreAndWait(List.of(text), InferenceBudget.UNLIMITED)
                        .score(0),
                1e-5f);
    }

    @Test
    public void cuttingPassagesHonoursTheRequestsTimeAndCancellation() {
        CrossEncoderModel model = GENERATED.service().models().model(GeneratedTinyModel.NAME);
        PassageWindows.Resolved windows = new PassageWindows.Resolved(20, 4, 100, PassageWindows.Combine.MAX, true);
        PassageScores late = GENERATED
                .service()
                .plan(Ensemble.of(model), QUERY, windows)
                .scoreAndWait(
                        List.of(LongDocuments.randomText(120, 3), "berlin"),
                        InferenceBudget.of(null, TimeValue.ZERO, System.nanoTime()));
        assertTrue(late.timedOut());
        assertEquals("out of time before any window: nothing scored", 0, late.scoredCount());

        CancellableTask task = TestTasks.cancelled();
        assertThrows(
                TaskCancelledException.class,
                () -> GENERATED
                        .service()
                        .plan(Ensemble.of(model), QUERY, windows)
                        .scoreAndWait(List.of(LongDocuments.randomText(120, 5)), InferenceBudget.of(task, null, 0)));
    }

    @Test
    public void theMostPairsARequestCanMakeAreBounded() {
        PassageWindows.Resolved windows = new PassageWindows.Resolved(20, 4, 100, PassageWindows.Combine.MAX, false);
        GENERATED.service().limits().checkPairLimit(50, windows, 1, "[test] hits", "");
        String message = assertThrows(
                        IllegalArgumentException.class,
                        () -> GENERATED.service().limits().checkPairLimit(51, windows, 1, "[test] hits", ""))
                .getMessage();
        assertThat(
                message,
                containsString("[test] hits [51] read in up to [passage_windows] [max_windows] [100] "
                        + "windows each can make [5100] pairs"));
        assertThat(message, containsString("[plugins.cross_encoder.max_pairs_per_request] allows at most [5000]"));
        assertThat(message, containsString("[plugins.cross_encoder.rescore.max_window_size] at most [1000] hits"));
    }
}
