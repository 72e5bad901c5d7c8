/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.model;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.crossencoder.opensearch.ranking.PassageScores;
import org.crossencoder.opensearch.ranking.PassageWindowScores;
import org.crossencoder.opensearch.ranking.PassageWindows;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.opensearch.common.unit.TimeValue;
import org.opensearch.core.tasks.TaskCancelledException;
import org.opensearch.core.tasks.TaskId;
import org.opensearch.tasks.CancellableTask;
import org.opensearch.test.OpenSearchTestCase;

/**
 * Passages read in windows, on the model the build generates (its word pieces make word boundaries matter) and,
 * where {@code ../shared} is, on the trained one: where windows fall, that every window is a pair of its own
 * through the inference service, and how their scores make the passage's.
 */
public class PassageSplittingTests extends OpenSearchTestCase {

    @ClassRule
    public static final TemporaryFolder folder = new TemporaryFolder();

    private static final String QUERY = "how many people live in berlin";
    private static InlineInference inline;
    private static InferenceService inference;
    private static CrossEncoderModel reference;
    private static PairEncoder encoder;
    private static Path generated;

    @BeforeClass
    public static void startInference() throws Exception {
        Path models = folder.newFolder("models").toPath();
        GeneratedTinyModel.writeTo(models);
        generated = models.resolve(GeneratedTinyModel.NAME);
        CrossEncoderModel.InferenceOptions options = new CrossEncoderModel.InferenceOptions(4, 1);
        inline = new InlineInference(models, options);
        inference = inline.service();
        reference = CrossEncoderModel.load(GeneratedTinyModel.NAME, generated, options);
        encoder = new PairEncoder(generated, 512, ModelConfig.Truncation.LONGEST_FIRST);
    }

    @AfterClass
    public static void stopInference() {
        if (inline != null) {
            inline.close();
            reference.close();
            encoder.close();
        }
    }

    /** Words of one to several word pieces, with punctuation, and a character outside the BMP early on. */
    private static String longText(int words, long seed) {
        Random random = new Random(seed);
        String[] known = {"berlin", "people", "population", "city", "museum", "live"};
        StringBuilder text = new StringBuilder("Berlin \uD83D\uDE00 facts:");
        for (int i = 0; i < words; i++) {
            text.append(' ');
            if (random.nextInt(3) == 0) {
                text.append(known[random.nextInt(known.length)]);
            } else {
                for (int c = 0; c < 2 + random.nextInt(6); c++) {
                    text.append((char) ('a' + random.nextInt(26)));
                }
            }
            if (random.nextInt(10) == 0) {
                text.append(random.nextBoolean() ? "." : ",");
            }
        }
        return text.toString();
    }

    private static List<String> texts(String passage, int[] bounds) {
        List<String> texts = new ArrayList<>();
        for (int w = 0; w < bounds.length; w += 2) {
            texts.add(passage.substring(bounds[w], bounds[w + 1]));
        }
        return texts;
    }

    /** Between two characters that are not both parts of one word. */
    private static boolean atWordBoundary(String text, int index) {
        return index == 0
                || index == text.length()
                || Character.isLetterOrDigit(text.charAt(index - 1)) == false
                || Character.isLetterOrDigit(text.charAt(index)) == false;
    }

    @Test
    public void windowsCoverThePassageAtWordBoundaries() {
        String text = longText(200, 7);
        int[] bounds = encoder.windows(text, 24, 6, 1000);
        assertThat("the text is many windows long", bounds.length / 2, greaterThan(10));
        assertEquals("the first window starts the text", 0, bounds[0]);
        assertEquals("the last one ends it", text.length(), bounds[bounds.length - 1]);
        for (int w = 0; w < bounds.length; w += 2) {
            String window = text.substring(bounds[w], bounds[w + 1]);
            assertThat(window, encoder.tokenCount(window), lessThanOrEqualTo(24));
            assertTrue(window, atWordBoundary(text, bounds[w]));
            assertTrue(window, atWordBoundary(text, bounds[w + 1]));
            if (w > 0) {
                assertThat("windows advance", bounds[w], greaterThan(bounds[w - 2]));
                assertThat("and overlap", bounds[w], lessThan(bounds[w - 1]));
                String shared = text.substring(bounds[w], bounds[w - 1]);
                assertThat(shared, encoder.tokenCount(shared), lessThanOrEqualTo(6));
            }
        }
        int[] capped = encoder.windows(text, 24, 6, 3);
        assertEquals("at most max_windows", 6, capped.length);
        assertArrayEquals(Arrays.copyOf(bounds, 6), capped);
        String shortText = "berlin has many museums";
        assertArrayEquals(
                "a passage that fits one window is read whole",
                new int[] {0, shortText.length()},
                encoder.windows(shortText, 24, 6, 8));
        int[] noOverlap = encoder.windows(text, 24, 0, 1000);
        for (int w = 2; w < noOverlap.length; w += 2) {
            assertThat("stride 0: windows follow each other", noOverlap[w], greaterThan(noOverlap[w - 1] - 1));
        }
    }

    /**
     * A WordPiece tokenizer reads "and/or" and "1.89" as several words; a window cut there would end with "OR, 1" where
     * the text says "OR, 1.89" (SciFact doc 43334921). Windows start and end only where the text has white space.
     */
    @Test
    public void windowsStartAndEndAtWhiteSpaceNotInsideNumbersOrSlashedWords() {
        String text =
                "patients on statins and/or aspirin had an odds ratio OR, 1.89 (95% CI 1.21-2.94) for the outcome; "
                        .repeat(12);
        for (int length : new int[] {16, 24, 40}) {
            int[] bounds = encoder.windows(text, length, length / 4, 1000);
            assertThat(bounds.length / 2, greaterThan(2));
            for (int w = 0; w < bounds.length; w += 2) {
                String window = text.substring(bounds[w], bounds[w + 1]);
                assertTrue(
                        "starts after white space: [" + window + "]",
                        bounds[w] == 0 || Character.isWhitespace(text.charAt(bounds[w] - 1)));
                assertTrue(
                        "ends before white space: [" + window + "]",
                        bounds[w + 1] == text.length() || Character.isWhitespace(text.charAt(bounds[w + 1])));
                assertThat(window, encoder.tokenCount(window), lessThanOrEqualTo(length));
            }
        }
        String unspaced = "x".repeat(5) + "/y".repeat(40);
        int[] oneWord = encoder.windows(unspaced, 16, 4, 1000);
        assertEquals("text without white space still covers the whole", unspaced.length(), oneWord[oneWord.length - 1]);
    }

    @Test
    public void everyWindowIsAPairAndTheirScoresMakeThePassages() throws Exception {
        String text = longText(120, 11);
        String shortText = "berlin has a population of about four million people";
        CrossEncoderModel model = inference.models().model(GeneratedTinyModel.NAME);
        List<String> windowTexts = texts(text, encoder.windows(text, 20, 4, 100));
        float[] direct = reference.score(QUERY, windowTexts);
        float shortDirect = reference.score(QUERY, List.of(shortText))[0];
        for (PassageWindows.Combine combine : PassageWindows.Combine.values()) {
            PassageScores scores = inference
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
                reference.score(QUERY, List.of(text))[0],
                inference
                        .plan(Ensemble.of(model), QUERY, null)
                        .scoreAndWait(List.of(text), InferenceBudget.UNLIMITED)
                        .score(0),
                1e-5f);
    }

    @Test
    public void cuttingPassagesHonoursTheRequestsTimeAndCancellation() {
        CrossEncoderModel model = inference.models().model(GeneratedTinyModel.NAME);
        PassageWindows.Resolved windows = new PassageWindows.Resolved(20, 4, 100, PassageWindows.Combine.MAX, true);
        PassageScores late = inference
                .plan(Ensemble.of(model), QUERY, windows)
                .scoreAndWait(
                        List.of(longText(120, 3), "berlin"),
                        InferenceBudget.of(null, TimeValue.ZERO, System.nanoTime()));
        assertTrue(late.timedOut());
        assertEquals("out of time before any window: nothing scored", 0, late.scoredCount());

        CancellableTask task =
                new CancellableTask(
                        1, "transport", "cluster:admin/cross_encoder/rerank", "test", TaskId.EMPTY_TASK_ID, Map.of()) {
                    @Override
                    public boolean shouldCancelChildrenOnCancellation() {
                        return false;
                    }
                };
        task.cancel("by the test");
        assertThrows(
                TaskCancelledException.class,
                () -> inference
                        .plan(Ensemble.of(model), QUERY, windows)
                        .scoreAndWait(List.of(longText(120, 5)), InferenceBudget.of(task, null, 0)));
    }

    @Test
    public void theMostPairsARequestCanMakeAreBounded() {
        PassageWindows.Resolved windows = new PassageWindows.Resolved(20, 4, 100, PassageWindows.Combine.MAX, false);
        inference.limits().checkPairLimit(50, windows, 1, "[test] hits", "");
        String message = assertThrows(
                        IllegalArgumentException.class,
                        () -> inference.limits().checkPairLimit(51, windows, 1, "[test] hits", ""))
                .getMessage();
        assertThat(
                message,
                containsString("[test] hits [51] read in up to [passage_windows] [max_windows] [100] "
                        + "windows each can make [5100] pairs"));
        assertThat(message, containsString("[plugins.cross_encoder.max_pairs_per_request] allows at most [5000]"));
        assertThat(message, containsString("[plugins.cross_encoder.rescore.max_window_size] at most [1000] hits"));
    }

    /**
     * The constructed long document: the sentence that answers the claim comes after more than 600 tokens of text
     * about something else. Read whole (cut at 512 tokens) the model never sees it and ranks the document below
     * passages that are only about the topic; read in windows, it ranks first, and its best window holds the answer.
     */
    @Test
    public void anAnswerPastToken600IsFoundWithWindowsAndMissedWithout() throws Exception {
        String trained = "minilm-l6-sci-cross-encoder";
        TestModels.assumePresent(trained);
        try (CrossEncoderModel model = TestModels.load(trained, 8)) {
            String longDocument = LongDocuments.FILLER.repeat(LongDocuments.FILLER_REPEATS) + LongDocuments.ANSWER;
            assertThat(model.encode("", List.of(longDocument))[0].getIds().length, lessThanOrEqualTo(512));
            PairEncoder trainedEncoder =
                    new PairEncoder(TestModels.dir(trained), 100_000, ModelConfig.Truncation.LONGEST_FIRST);
            int answerStart = trainedEncoder.tokenCount(LongDocuments.FILLER.repeat(LongDocuments.FILLER_REPEATS));
            trainedEncoder.close();
            assertThat("the answer starts after token 600", answerStart, greaterThan(600));

            List<String> passages = new ArrayList<>(LongDocuments.TOPICAL);
            passages.add(longDocument);
            int longOne = passages.size() - 1;
            float[] whole = model.score(LongDocuments.CLAIM, passages);
            PassageSplitting split = new PassageSplitting(
                    model, passages, new PassageWindows.Resolved(256, 64, 8, PassageWindows.Combine.MAX, true));
            while (split.hasNextStep()) {
                split.step();
            }
            split.result(false);
            PassageScores windowed =
                    split.combine(PassageScores.complete(model.score(LongDocuments.CLAIM, split.windowTexts())));
            for (int i = 0; i < longOne; i++) {
                assertThat(
                        "read whole, the long document ranks below " + passages.get(i),
                        whole[longOne],
                        lessThan(whole[i]));
                assertThat(
                        "read in windows, it ranks above " + passages.get(i),
                        windowed.score(longOne),
                        greaterThan(windowed.score(i)));
            }
            assertThat(windowed.windows(longOne).bestText(), containsString("2,686"));
            assertFalse(windowed.windows(longOne).bestText().isBlank());
        }
    }
}
