/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.integ;

import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThat;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.crossencoder.opensearch.engine.TestModels;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.opensearch.common.xcontent.XContentFactory;
import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.core.common.bytes.BytesReference;
import org.opensearch.core.xcontent.XContentBuilder;

/**
 * The models {@code models/import-model.py} made from tiny random BERT, XLM-RoBERTa and ELECTRA checkpoints, one- and
 * two-label, and an XLM-RoBERTa one whose first logit means relevant, each with its last layer at [CLS] only (the
 * import's exact levers), and a BERT one as exported ({@code --no-exact-levers})
 * ({@code models/test_import_model.py} leaves them in
 * {@code target/imported-test-models}), on a real node: each loads, so the node reproduced its {@code golden.json};
 * {@code _rerank} scores every golden pair as the PyTorch checkpoint did; and a model given another model's tokenizer
 * fails to load with the differences in the models API.
 */
public class ImportedModelsIT {

    /** An imported BERT model with the XLM-RoBERTa one's tokenizer.json: a tokenizer/model mismatch. */
    private static final String MISMATCHED = "imported-bert-with-another-tokenizer";

    private static OpenSearchNode node;
    private static RestClient client;
    private static final List<Path> imported = new ArrayList<>();

    @BeforeClass
    public static void startNodeWithTheImportedModels() throws Exception {
        Path source = Paths.get(System.getProperty("tests.imported.models.dir"));
        TestModels.assumeFolder(
                source, "scripts/test.sh writes it: IMPORTED_MODELS_DIR=DIR python models/test_import_model.py");
        try (Stream<Path> models = Files.list(source)) {
            models.filter(dir -> Files.exists(dir.resolve("golden.json")))
                    .sorted()
                    .forEach(imported::add);
        }
        assertEquals("the families and heads models/test_import_model.py imports", 8, imported.size());
        node = OpenSearchNode.start(
                "imported", source, List.of(), Map.of("discovery.type", "single-node"), "512m", directory -> {
                    Path models = directory.resolve("config/cross-encoder-models");
                    for (Path model : imported) {
                        copy(model, models.resolve(model.getFileName()));
                    }
                    Path mismatched = models.resolve(MISMATCHED);
                    copy(source.resolve("imported-bert-1"), mismatched);
                    Files.copy(
                            source.resolve("imported-xlm-roberta-1/tokenizer.json"),
                            mismatched.resolve("tokenizer.json"),
                            StandardCopyOption.REPLACE_EXISTING);
                });
        client = node.client();
    }

    @AfterClass
    public static void stopNode() {
        if (node != null) {
            node.close();
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path file : files.toList()) {
                Files.copy(file, to.resolve(file.getFileName()));
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> model(String name) throws IOException {
        RestClient.Response response = client.ok("GET", "/_plugins/cross_encoder/models", null);
        Map<String, Object> onlyNode = ((Map<String, Map<String, Object>>) response.path("nodes"))
                .values()
                .iterator()
                .next();
        return ((List<Map<String, Object>>) onlyNode.get("models"))
                .stream()
                        .filter(m -> name.equals(m.get("name")))
                        .findFirst()
                        .orElseThrow(() -> new AssertionError("no model [" + name + "] in " + response.raw()));
    }

    @Test
    @SuppressWarnings("unchecked")
    public void theNodeScoresEveryGoldenPairAsTheCheckpointDid() throws Exception {
        for (Path dir : imported) {
            String name = dir.getFileName().toString();
            Map<String, Object> info = model(name);
            assertEquals(name + ": " + info, "loaded", info.get("status"));
            Map<String, Object> golden = readJson(dir.resolve("golden.json"));
            int relevant = (Integer) readJson(dir.resolve("cross-encoder.json")).getOrDefault("relevant_label", 1);
            if (relevant == 0) {
                assertEquals("two_class, relevant_label 0", info.get("output"));
            }
            for (Map<String, Object> pair : (List<Map<String, Object>>) golden.get("pairs")) {
                List<Number> logits = (List<Number>) pair.get("logits");
                float expected = logits.size() == 1
                        ? logits.get(0).floatValue()
                        : logits.get(relevant).floatValue()
                                - logits.get(1 - relevant).floatValue();
                RestClient.Response response = client.ok(
                        "POST",
                        "/_plugins/cross_encoder/_rerank",
                        rerank(name, pair.get("query"), pair.get("passage")));
                float score = ((Number) ((List<Map<String, Object>>) response.path("results"))
                                .get(0)
                                .get("score"))
                        .floatValue();
                assertEquals(name + " " + pair.get("query"), expected, score, 1e-4f * logits.size());
            }
        }
    }

    @Test
    public void aModelWithAnotherModelsTokenizerFailsToLoadWithTheDifferences() throws Exception {
        Map<String, Object> info = model(MISMATCHED);
        assertEquals("failed", info.get("status"));
        String error = (String) info.get("error");
        assertThat(error, containsString("does not reproduce its [golden.json]"));
        assertThat(error, containsString("tokens differ from position"));
        RestClient.Response refused =
                client.request("POST", "/_plugins/cross_encoder/_rerank", rerank(MISMATCHED, "q", "p"));
        assertEquals(503, refused.status());
        assertTrue(refused.raw(), refused.raw().contains("does not reproduce its [golden.json]"));
    }

    private static Map<String, Object> readJson(Path file) throws IOException {
        return XContentHelper.convertToMap(JsonXContent.jsonXContent, Files.readString(file), false);
    }

    private static String rerank(String model, Object query, Object passage) throws IOException {
        XContentBuilder body = XContentFactory.jsonBuilder()
                .startObject()
                .field("model", model)
                .field("query_text", query)
                .array("texts", (String) passage)
                .endObject();
        return BytesReference.bytes(body).utf8ToString();
    }
}
