/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.engine;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.crossencoder.opensearch.ranking.PassageScores;
import org.crossencoder.opensearch.ranking.PassageWindows;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.opensearch.test.OpenSearchTestCase;

/**
 * Passages read in windows, on the model the build generates (its word pieces make word boundaries matter) and,
 * where {@code ../shared} is, on the trained one: where windows fall, and that a long document's answer is found in
 * its windows.
 */
public class PassageSplittingTests extends OpenSearchTestCase {

    @ClassRule
    public static final TemporaryFolder folder = new TemporaryFolder();

    private static PairEncoder encoder;

    @BeforeClass
    public static void startEncoder() throws Exception {
        Path models = folder.newFolder("models").toPath();
        GeneratedTinyModel.writeTo(models);
        encoder = new PairEncoder(models.resolve(GeneratedTinyModel.NAME), 512, ModelConfig.Truncation.LONGEST_FIRST);
    }

    @AfterClass
    public static void stopEncoder() {
        if (encoder != null) {
            encoder.close();
        }
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
        String text = LongDocuments.randomText(200, 7);
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
