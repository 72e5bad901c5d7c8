/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.engine;

import static org.crossencoder.opensearch.engine.TestModels.BERLIN;
import static org.crossencoder.opensearch.engine.TestModels.BERLIN_QUERY;
import static org.crossencoder.opensearch.engine.TestModels.NEW_YORK;
import static org.crossencoder.opensearch.engine.TestModels.TINY_BERT;
import static org.crossencoder.opensearch.engine.TestModels.TINY_XLM_ROBERTA;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;

import ai.djl.huggingface.tokenizers.Encoding;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.AfterClass;
import org.junit.Assume;
import org.junit.BeforeClass;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.opensearch.test.OpenSearchTestCase;

/** The engine against published golden values and against ONNX Runtime called directly, one unpadded pair at a time. */
public class CrossEncoderModelTests extends OpenSearchTestCase {

    private static CrossEncoderModel tinyBert;
    private static DirectOnnx directTinyBert;

    @Rule
    public TemporaryFolder temporaryFolder = new TemporaryFolder();

    @BeforeClass
    public static void loadModels() throws Exception {
        TestModels.assumePresent(TINY_BERT, TINY_XLM_ROBERTA);
        tinyBert = TestModels.load(TINY_BERT, 4);
        directTinyBert = new DirectOnnx(TestModels.dir(TINY_BERT));
    }

    @AfterClass
    public static void closeModels() throws Exception {
        if (tinyBert != null) {
            tinyBert.close();
            directTinyBert.close();
        }
    }

    @Test
    public void reproducesTheTinyModelsGoldenLogits() throws Exception {
        float[] scores = tinyBert.score(BERLIN_QUERY, List.of(BERLIN, NEW_YORK));
        // ../shared/models/tiny-random-bert-cross-encoder/README.md
        assertEquals(-1.5696858f, scores[0], 1e-5f);
        assertEquals(1.5387218f, scores[1], 1e-5f);
    }

    @Test
    public void directReferenceReproducesTheRawIdsGolden() throws Exception {
        long[] ids = {101, 2129, 2116, 2111, 102, 4068, 2038, 102};
        long[] types = {0, 0, 0, 0, 0, 1, 1, 1};
        assertEquals(-1.2576559f, directTinyBert.logit(ids, types), 1e-6f);
    }

    @Test
    public void encodesQueryThenPassageWithTheModelsPairTemplate() throws Exception {
        try (PairEncoder encoder =
                new PairEncoder(TestModels.dir(TINY_BERT), 512, ModelConfig.Truncation.LONGEST_FIRST)) {
            Encoding encoding = encoder.encode(BERLIN_QUERY, List.of("Berlin is big."))[0];
            // [CLS] how many people live in berlin ? [SEP] berlin is big . [SEP]
            assertArrayEquals(
                    new long[] {101, 2129, 2116, 2111, 2444, 1999, 4068, 1029, 102, 4068, 2003, 2502, 1012, 102},
                    encoding.getIds());
            assertArrayEquals(new long[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1}, encoding.getTypeIds());
            assertEquals(0L, encoder.padId());
        }
    }

    @Test
    public void batchingSortingAndPaddingDoNotChangeAnyScore() throws Exception {
        List<String> passages = randomPassages(new Random(42), 37);
        float[] batched = tinyBert.score(BERLIN_QUERY, passages);
        try (PairEncoder encoder =
                new PairEncoder(TestModels.dir(TINY_BERT), 512, ModelConfig.Truncation.LONGEST_FIRST)) {
            for (int i = 0; i < passages.size(); i++) {
                Encoding alone = encoder.encode(BERLIN_QUERY, List.of(passages.get(i)))[0];
                assertEquals(
                        "passage " + i, directTinyBert.logit(alone.getIds(), alone.getTypeIds()), batched[i], 1e-5f);
            }
        }
        try (CrossEncoderModel oneAtATime = TestModels.load(TINY_BERT, 1)) {
            assertArrayEquals(oneAtATime.score(BERLIN_QUERY, passages), batched, 1e-5f);
        }
    }

    @Test
    public void longestFirstKeepsAShortQueryWholeAndCutsTheLongPassage() throws Exception {
        String longPassage = "berlin ".repeat(2000);
        try (PairEncoder encoder =
                new PairEncoder(TestModels.dir(TINY_BERT), 512, ModelConfig.Truncation.LONGEST_FIRST)) {
            long[] ids = encoder.encode(BERLIN_QUERY, List.of(longPassage))[0].getIds();
            assertEquals(512, ids.length);
            assertArrayEquals(
                    new long[] {101, 2129, 2116, 2111, 2444, 1999, 4068, 1029, 102, 4068}, Arrays.copyOf(ids, 10));
            assertEquals(102L, ids[511]);
            float expected =
                    directTinyBert.logit(ids, encoder.encode(BERLIN_QUERY, List.of(longPassage))[0].getTypeIds());
            assertEquals(expected, tinyBert.score(BERLIN_QUERY, List.of(longPassage, "short"))[0], 1e-5f);
        }
    }

    @Test
    public void onlySecondCutsTheQueryTooWhenItAloneDoesNotFit() throws Exception {
        String longQuery = "how many people live in berlin ".repeat(100);
        try (PairEncoder encoder = new PairEncoder(TestModels.dir(TINY_BERT), 64, ModelConfig.Truncation.ONLY_SECOND)) {
            Encoding encoding = encoder.encode(longQuery, List.of(BERLIN))[0];
            assertEquals(64, encoding.getIds().length);
            assertEquals("the passage keeps a share of the window", 1L, encoding.getTypeIds()[63]);
        }
        assertEquals(1, tinyBert.score(longQuery.repeat(3), List.of(BERLIN)).length);
    }

    @Test
    public void scoresNothingWhenThereIsNothingToScore() throws Exception {
        assertEquals(0, tinyBert.score(BERLIN_QUERY, List.of()).length);
    }

    @Test
    public void runsWithItsOwnBatchesWhereItsConfigSetsThemAndScoresAlike() throws Exception {
        Path dir = copyOfModel(TINY_BERT);
        Files.writeString(
                dir.resolve(ModelConfig.FILE_NAME),
                "{\"inference\": {\"batch_size\": 1, \"batch_tokens\": 64, \"spinning\": \"off\"}}");
        CrossEncoderModel.InferenceOptions node = new CrossEncoderModel.InferenceOptions(8, 1024, 1);
        List<String> passages = List.of(BERLIN, "a short one", BERLIN + " " + BERLIN, "museums");
        try (CrossEncoderModel own = CrossEncoderModel.load("own", dir, node);
                CrossEncoderModel nodes = CrossEncoderModel.load(TINY_BERT, TestModels.dir(TINY_BERT), node)) {
            assertEquals(new ModelInference(1, 64, CrossEncoderModel.Spinning.OFF), own.inference());
            assertEquals(1, own.batchSize());
            assertEquals(64, own.batchTokens());
            assertEquals(new ModelInference(8, 1024, CrossEncoderModel.Spinning.DURING_RUN), nodes.inference());
            assertArrayEquals(
                    "batches of one score as batches of eight",
                    nodes.score(BERLIN_QUERY, passages),
                    own.score(BERLIN_QUERY, passages),
                    1e-5f);
        }
    }

    @Test
    public void takesMaxLengthFromItsConfigFile() throws Exception {
        Path dir = copyOfModel(TINY_BERT);
        Files.writeString(dir.resolve(ModelConfig.FILE_NAME), "{\"max_length\": 16, \"output\": \"logit\"}");
        try (CrossEncoderModel shortModel =
                CrossEncoderModel.load("short", dir, new CrossEncoderModel.InferenceOptions(8, 1))) {
            assertEquals(16, shortModel.config().maxLength());
            try (PairEncoder encoder = new PairEncoder(dir, 16, ModelConfig.Truncation.LONGEST_FIRST)) {
                Encoding encoding = encoder.encode(BERLIN_QUERY, List.of(BERLIN))[0];
                assertEquals(16, encoding.getIds().length);
                assertEquals(
                        directTinyBert.logit(encoding.getIds(), encoding.getTypeIds()),
                        shortModel.score(BERLIN_QUERY, List.of(BERLIN))[0],
                        1e-5f);
            }
        }
    }

    @Test
    public void refusesAnOutputThatDoesNotMatchTheModel() throws Exception {
        Path dir = copyOfModel(TINY_BERT);
        Files.writeString(dir.resolve(ModelConfig.FILE_NAME), "{\"output\": \"two_class\"}");
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> CrossEncoderModel.load("wrong", dir, new CrossEncoderModel.InferenceOptions(8, 1)));
        assertThat(e.getMessage(), containsString("output [two_class] needs 2 value(s) per pair"));
    }

    @Test
    public void refusesARelevantLabelForAModelOfOneLogit() throws Exception {
        Path dir = copyOfModel(GeneratedTinyModel.NAME);
        Files.writeString(dir.resolve(ModelConfig.FILE_NAME), "{\"relevant_label\": 0}");
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> CrossEncoderModel.load("one-logit", dir, new CrossEncoderModel.InferenceOptions(8, 1)));
        assertThat(
                e.getMessage(),
                containsString("[relevant_label] applies to output [two_class] only, and the output is [logit]"));
    }

    @Test
    public void runsAModelWithoutTokenTypeIdsAndItsOwnPadId() throws Exception {
        List<String> passages = List.of("a", "abc abc", "hello world hello world hello", "");
        try (CrossEncoderModel xlmRoberta = TestModels.load(TINY_XLM_ROBERTA, 3);
                DirectOnnx direct = new DirectOnnx(TestModels.dir(TINY_XLM_ROBERTA));
                PairEncoder encoder =
                        new PairEncoder(TestModels.dir(TINY_XLM_ROBERTA), 512, ModelConfig.Truncation.LONGEST_FIRST)) {
            assertEquals("<pad> of the tiny XLM-R tokenizer", 1L, encoder.padId());
            float[] scores = xlmRoberta.score("abc", passages);
            for (int i = 0; i < passages.size(); i++) {
                Encoding alone = encoder.encode("abc", List.of(passages.get(i)))[0];
                assertEquals(direct.logit(alone.getIds(), alone.getTypeIds()), scores[i], 1e-6f);
            }
        }
    }

    @Test
    public void reproducesThePublishedMsMarcoLogits() throws Exception {
        Assume.assumeTrue(
                "the trained " + TestModels.MS_MARCO + " is not on this machine (see ../shared/models/README.md)",
                TestModels.present(TestModels.MS_MARCO));
        try (CrossEncoderModel msMarco = TestModels.load(TestModels.MS_MARCO, 8)) {
            float[] scores = msMarco.score(BERLIN_QUERY, List.of(BERLIN, NEW_YORK));
            // The model card's logits.
            assertEquals(8.607138f, scores[0], 1e-3f);
            assertEquals(-4.320078f, scores[1], 1e-3f);
        }
    }

    private Path copyOfModel(String name) throws Exception {
        Path dir = temporaryFolder.newFolder(name).toPath();
        for (String file : List.of(CrossEncoderModel.MODEL_FILE, CrossEncoderModel.TOKENIZER_FILE)) {
            Files.copy(TestModels.dir(name).resolve(file), dir.resolve(file));
        }
        return dir;
    }

    private static List<String> randomPassages(Random random, int count) {
        String[] words = {
            "berlin", "people", "live", "population", "city", "museum", "art", "square", "kilometers", "the", "of", "in"
        };
        List<String> passages = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            StringBuilder passage = new StringBuilder();
            int length = random.nextInt(60);
            for (int w = 0; w < length; w++) {
                passage.append(words[random.nextInt(words.length)]).append(' ');
            }
            passages.add(passage.toString().trim());
        }
        return passages;
    }
}
