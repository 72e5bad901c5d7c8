/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.engine;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.startsWith;

import ai.djl.huggingface.tokenizers.Encoding;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.AfterClass;
import org.junit.Assume;
import org.junit.BeforeClass;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.core.xcontent.DeprecationHandler;
import org.opensearch.core.xcontent.NamedXContentRegistry;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.test.OpenSearchTestCase;

/**
 * The trained model's reference logits (computed outside the plugin with Hugging Face tokenizers and ONNX Runtime,
 * see its README) reproduced through the engine, with each truncation the model config offers.
 */
public class TrainedModelGoldenTests extends OpenSearchTestCase {

    private static final String MODEL = "minilm-l6-sci-cross-encoder";
    private static final float TOLERANCE = 1e-3f;

    private static final Map<ModelConfig, CrossEncoderModel> models = new HashMap<>();

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    @BeforeClass
    public static void requireTheModel() {
        TestModels.assumePresent(MODEL);
    }

    @AfterClass
    public static void closeModels() {
        models.values().forEach(CrossEncoderModel::close);
        models.clear();
    }

    @Test
    public void reproducesTheGoldenLogitsWithItsOwnConfig() throws Exception {
        try (CrossEncoderModel model = TestModels.load(MODEL, 8)) {
            assertEquals(
                    new ModelConfig(512, ModelConfig.Truncation.LONGEST_FIRST, ModelConfig.Output.LOGIT),
                    model.config());
            assertReproducesItsGoldenLogits(model, MODEL);
        }
    }

    private static void assertReproducesItsGoldenLogits(CrossEncoderModel model, String name) throws Exception {
        List<Map<String, Object>> golden = readList(TestModels.dir(name).resolve("golden.json"));
        assertEquals(5, golden.size());
        for (Map<String, Object> pair : golden) {
            float score = model.score((String) pair.get("query"), List.of((String) pair.get("passage")))[0];
            assertEquals((String) pair.get("query"), ((Number) pair.get("logit")).floatValue(), score, TOLERANCE);
        }
    }

    /** Weights stored as float16 initializers, each cast to float32 (as many public exports are), load and score alike. */
    @Test
    public void reproducesTheGoldenLogitsOfAModelStoredInFloat16() throws Exception {
        String fp16 = "minilm-l6-nf-cross-encoder-fp16";
        TestModels.assumePresent(fp16);
        try (CrossEncoderModel model = TestModels.load(fp16, 8)) {
            assertReproducesItsGoldenLogits(model, fp16);
        }
    }

    /**
     * models/cls-last-layer.py computes the last layer after attention at [CLS] only: on every reference pair, long ones
     * included, and in padded batches of mixed lengths, it scores as the full model does; the node serves its file as
     * it is, and the file's own graph, loaded without the levers, as the node's own rewrite does (ExactLeversTests).
     */
    @Test
    public void theLastLayerAtClsOnlyScoresAsTheFullModel() throws Exception {
        Process check = new ProcessBuilder("/usr/bin/python3", "-c", "import onnx").start();
        if (check.waitFor() != 0) {
            System.out.println("SKIPPED: needs Debian's python3-onnx for models/cls-last-layer.py");
            Assume.assumeTrue("needs Debian's python3-onnx", false);
        }
        Path rewritten = folder.newFolder("cls-last").toPath();
        Process script = new ProcessBuilder(
                        "/usr/bin/python3",
                        "models/cls-last-layer.py",
                        TestModels.dir(MODEL).toString(),
                        rewritten.toString())
                .redirectErrorStream(true)
                .start();
        String output = new String(script.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(output, 0, script.waitFor());
        Map<String, List<String>> passagesByQuery = new LinkedHashMap<>();
        for (String file : List.of("golden.json", "golden_truncation.json")) {
            for (Map<String, Object> pair : readList(TestModels.dir(MODEL).resolve(file))) {
                passagesByQuery
                        .computeIfAbsent((String) pair.get("query"), q -> new ArrayList<>())
                        .add((String) pair.get("passage"));
            }
        }
        try (CrossEncoderModel full = CrossEncoderModel.load(
                        MODEL, TestModels.dir(MODEL), new CrossEncoderModel.InferenceOptions(8, 1024, 1, false));
                CrossEncoderModel clsOnly =
                        CrossEncoderModel.load("cls-last", rewritten, new CrossEncoderModel.InferenceOptions(8, 1))) {
            assertEquals(List.of(ClsLastLayer.NAME), clsOnly.exactLevers().applied());
            assertEquals("model_file", clsOnly.exactLevers().at());
            int pairs = 0;
            for (Map.Entry<String, List<String>> query : passagesByQuery.entrySet()) {
                float[] expected = full.score(query.getKey(), query.getValue());
                float[] actual = clsOnly.score(query.getKey(), query.getValue());
                for (int i = 0; i < expected.length; i++) {
                    assertEquals(query.getKey() + " #" + i, expected[i], actual[i], 1e-4f);
                    pairs++;
                }
            }
            assertThat(pairs, greaterThanOrEqualTo(21));
        }
    }

    @Test
    public void reproducesEveryTruncationCase() throws Exception {
        List<Map<String, Object>> cases = readList(TestModels.dir(MODEL).resolve("golden_truncation.json"));
        assertEquals(16, cases.size());
        int refused = 0;
        for (Map<String, Object> golden : cases) {
            String query = (String) golden.get("query");
            String passage = (String) golden.get("passage");
            int maxLength = ((Number) golden.get("max_length")).intValue();
            ModelConfig.Truncation truncation = ModelConfig.Truncation.fromString((String) golden.get("truncation"));
            String label =
                    truncation + " at " + maxLength + " of [" + query.substring(0, Math.min(30, query.length())) + "]";
            Map<String, Object> expected = golden;
            if (golden.containsKey("error")) {
                // Hugging Face refuses to keep a query that leaves the passage no room; the documented fallback cuts
                // such a pair longest first.
                assertEquals(label, ModelConfig.Truncation.ONLY_SECOND, truncation);
                assertThat(label, (String) golden.get("error"), startsWith("Truncation error"));
                expected = sameCase(cases, golden, ModelConfig.Truncation.LONGEST_FIRST);
                refused++;
            }
            CrossEncoderModel model = model(new ModelConfig(maxLength, truncation, null));
            Encoding encoding = model.encode(query, List.of(passage))[0];
            assertEquals(label + ": tokens", ((Number) expected.get("tokens")).intValue(), encoding.getIds().length);
            assertEquals(
                    label + ": query tokens kept",
                    ((Number) expected.get("query_tokens_kept")).intValue(),
                    queryTokens(encoding));
            float score = model.score(query, List.of(passage, "a short passage beside it in the batch"))[0];
            assertEquals(label, ((Number) expected.get("logit")).floatValue(), score, TOLERANCE);
        }
        assertEquals("the cases where Hugging Face refuses only_second", 2, refused);
    }

    @Test
    public void onlySecondKeepsAQueryWholeThatLongestFirstWouldCut() throws Exception {
        Map<String, Object> longQuery = readList(TestModels.dir(MODEL).resolve("golden_truncation.json"))
                .get(2);
        // About 260 of the query's 526 tokens: more than half of 512, so longest first cuts it and only_second does
        // not.
        String query = ((String) longQuery.get("query")).substring(0, 1250);
        String passage = (String) longQuery.get("passage");
        Encoding whole = model(new ModelConfig(512, ModelConfig.Truncation.LONGEST_FIRST, null))
                .encode(query, List.of("a"))[0];
        Encoding onlySecond = model(new ModelConfig(512, ModelConfig.Truncation.ONLY_SECOND, null))
                .encode(query, List.of(passage))[0];
        Encoding longestFirst = model(new ModelConfig(512, ModelConfig.Truncation.LONGEST_FIRST, null))
                .encode(query, List.of(passage))[0];
        assertTrue("the query needs more than half of the pair", queryTokens(whole) > 255);
        assertEquals(queryTokens(whole), queryTokens(onlySecond));
        assertEquals("the shorter side keeps half of the 509 tokens of room", 254, queryTokens(longestFirst));
        assertEquals(512, onlySecond.getIds().length);
        assertEquals(512, longestFirst.getIds().length);
    }

    private static CrossEncoderModel model(ModelConfig config) throws Exception {
        CrossEncoderModel model = models.get(config);
        if (model == null) {
            model = CrossEncoderModel.load(
                    MODEL, TestModels.dir(MODEL), config, new CrossEncoderModel.InferenceOptions(8, 1));
            models.put(config, model);
        }
        return model;
    }

    /** Query tokens in a {@code [CLS] query [SEP] passage [SEP]} encoding: the first segment without its two special tokens. */
    private static int queryTokens(Encoding encoding) {
        int firstSegment = 0;
        for (long type : encoding.getTypeIds()) {
            firstSegment += type == 0 ? 1 : 0;
        }
        return firstSegment - 2;
    }

    private static Map<String, Object> sameCase(
            List<Map<String, Object>> cases, Map<String, Object> golden, ModelConfig.Truncation truncation) {
        return cases.stream()
                .filter(c -> c.get("query").equals(golden.get("query"))
                        && c.get("passage").equals(golden.get("passage")))
                .filter(c -> c.get("max_length").equals(golden.get("max_length"))
                        && truncation.toString().equals(c.get("truncation")))
                .findFirst()
                .orElseThrow();
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> readList(Path file) throws IOException {
        try (XContentParser parser = JsonXContent.jsonXContent.createParser(
                NamedXContentRegistry.EMPTY,
                DeprecationHandler.THROW_UNSUPPORTED_OPERATION,
                Files.newInputStream(file))) {
            return (List<Map<String, Object>>) (List<?>) parser.list();
        }
    }
}
