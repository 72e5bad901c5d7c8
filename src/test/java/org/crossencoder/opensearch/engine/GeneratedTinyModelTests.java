/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.engine;

import ai.djl.huggingface.tokenizers.Encoding;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.opensearch.test.OpenSearchTestCase;

/**
 * The engine on the model the project generates itself, so it runs in any clone: batched, length-sorted and
 * padded scoring equals ONNX Runtime called directly on each pair alone, and the pair template, the segment ids
 * and truncation reach the model.
 */
public class GeneratedTinyModelTests extends OpenSearchTestCase {

    @ClassRule
    public static final TemporaryFolder folder = new TemporaryFolder();

    private static Path dir;
    private static CrossEncoderModel model;
    private static DirectOnnx direct;
    private static PairEncoder encoder;

    @BeforeClass
    public static void generate() throws Exception {
        dir = GeneratedTinyModel.writeTo(folder.getRoot().toPath());
        model = CrossEncoderModel.load(GeneratedTinyModel.NAME, dir, new CrossEncoderModel.InferenceOptions(3, 1));
        direct = new DirectOnnx(dir);
        encoder = new PairEncoder(dir, 512, ModelConfig.Truncation.LONGEST_FIRST);
    }

    @AfterClass
    public static void close() throws Exception {
        if (model != null) {
            model.close();
            direct.close();
            encoder.close();
        }
    }

    private static float alone(String query, String passage) throws Exception {
        Encoding encoding = encoder.encode(query, List.of(passage))[0];
        return direct.logit(encoding.getIds(), encoding.getTypeIds());
    }

    @Test
    public void batchedPaddedScoresEqualEachPairScoredAlone() throws Exception {
        List<String> passages = new ArrayList<>();
        for (int i = 0; i < 11; i++) {
            passages.add("people live in berlin, fact number " + i + " " + "museum ".repeat(i * 3));
        }
        float[] batched = model.score(TestModels.BERLIN_QUERY, passages);
        for (int i = 0; i < passages.size(); i++) {
            assertEquals("passage " + i, alone(TestModels.BERLIN_QUERY, passages.get(i)), batched[i], 1e-5f);
        }
        assertNotEquals("different passages, different scores", batched[0], batched[10], 1e-6f);
    }

    @Test
    public void batchesBoundedInTokensScoreAsEachPairAlone() throws Exception {
        List<String> passages = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            passages.add("museum ".repeat(i * i * 4));
        }
        // 40 tokens: the short passages run two or three at a time, the longer ones alone.
        try (CrossEncoderModel tokenBounded =
                CrossEncoderModel.load("tokens", dir, new CrossEncoderModel.InferenceOptions(8, 40, 1))) {
            float[] scores = tokenBounded.score(TestModels.BERLIN_QUERY, passages);
            for (int i = 0; i < passages.size(); i++) {
                assertEquals("passage " + i, alone(TestModels.BERLIN_QUERY, passages.get(i)), scores[i], 1e-5f);
            }
        }
    }

    @Test
    public void thePairTemplateSeparatesQueryAndPassage() throws Exception {
        Encoding encoding = encoder.encode("how many", List.of("people live"))[0];
        assertArrayEquals(new long[] {0, 0, 0, 0, 1, 1, 1}, encoding.getTypeIds());
        assertEquals("[CLS] and [SEP] around the query, [SEP] after the passage", 7, encoding.getIds().length);
        assertNotEquals(
                "swapping query and passage changes their segments and so the score",
                model.score("how many", List.of("people live"))[0],
                model.score("people live", List.of("how many"))[0],
                1e-6f);
    }

    @Test
    public void aPassageBeyondMaxLengthIsCutToIt() throws Exception {
        try (CrossEncoderModel batchesOfTwo =
                CrossEncoderModel.load("short", dir, new CrossEncoderModel.InferenceOptions(2, 1))) {
            String longPassage = "museum ".repeat(600);
            Encoding cut = encoder.encode("berlin", List.of(longPassage))[0];
            assertEquals(512, cut.getIds().length);
            assertEquals(alone("berlin", longPassage), batchesOfTwo.score("berlin", List.of(longPassage))[0], 1e-5f);
        }
    }

    @Test
    public void theSlowModelScoresAsOnnxRuntimeDoes() throws Exception {
        Path slowDir = GeneratedTinyModel.writeSlowTo(folder.getRoot().toPath());
        List<String> passages = List.of("people live in berlin", "museums of new york", "the population grows");
        try (CrossEncoderModel slow = CrossEncoderModel.load(
                        GeneratedTinyModel.SLOW_NAME, slowDir, new CrossEncoderModel.InferenceOptions(2, 1));
                DirectOnnx slowDirect = new DirectOnnx(slowDir)) {
            float[] batched = slow.score(TestModels.BERLIN_QUERY, passages);
            for (int i = 0; i < passages.size(); i++) {
                Encoding encoding = encoder.encode(TestModels.BERLIN_QUERY, List.of(passages.get(i)))[0];
                assertEquals(
                        "passage " + i, slowDirect.logit(encoding.getIds(), encoding.getTypeIds()), batched[i], 1e-4f);
            }
            assertNotEquals("different passages, different scores", batched[0], batched[1], 1e-6f);
        }
    }
}
