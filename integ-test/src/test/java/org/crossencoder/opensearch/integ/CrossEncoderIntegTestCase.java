/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.integ;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.crossencoder.opensearch.engine.GeneratedTinyModel;
import org.crossencoder.opensearch.engine.TestModels;
import org.junit.BeforeClass;

/**
 * Base of the tests that talk to a real node. One single-node cluster is started per test JVM and shared by
 * every test class; it has the test models of {@code ../shared/models} (and the trained default model, where
 * a machine has it).
 */
public abstract class CrossEncoderIntegTestCase {

    public static final String TINY_BERT = "tiny-random-bert-cross-encoder";
    public static final String TINY_XLM_ROBERTA = "tiny-xlm-roberta-ce-random";
    public static final String MINILM_SHAPE = "minilm-l6-shape-random";
    public static final String MS_MARCO = "ms-marco-MiniLM-L-6-v2";
    /** The trained cross-encoder of {@code ../shared}. */
    public static final String SCI = "minilm-l6-sci-cross-encoder";
    /** The second trained cross-encoder of {@code ../shared}, with the same tokenizer as {@link #SCI}. */
    public static final String SCI_NF = "minilm-l6-nf-cross-encoder-fp16";
    /** The tiny model the build writes itself ({@link GeneratedTinyModel}): every clone has it. */
    public static final String GENERATED = GeneratedTinyModel.NAME;
    /**
     * A copy of {@link #GENERATED} whose {@code cross-encoder.json} calibrates it ({@code sigmoid(2 * logit - 1)}) and
     * scores with probabilities by default.
     */
    public static final String GENERATED_CALIBRATED = GENERATED + "-calibrated";
    /**
     * A copy of {@link #GENERATED} whose {@code cross-encoder.json} sets its own default blend: {@code interpolate} with
     * {@code reciprocal_rank} and weight 0.8.
     */
    public static final String GENERATED_BLEND = GENERATED + "-blend";
    /** A copy of {@link #GENERATED} whose {@code cross-encoder.json} sets a default blend the plugin refuses. */
    public static final String GENERATED_BAD_BLEND = GENERATED + "-bad-blend";
    /** A model directory whose model.onnx is not a model: the node lists it as failed and answers 503 for it. */
    public static final String BROKEN = "broken-model";

    private static OpenSearchNode sharedNode;

    protected static RestClient client;

    @BeforeClass
    public static synchronized void startSharedNode() throws Exception {
        if (sharedNode == null) {
            // The generated model is always there; the shared ones where ../shared is (a fresh clone has none).
            List<String> models = new ArrayList<>(List.of(GENERATED));
            for (String shared : List.of(TINY_BERT, TINY_XLM_ROBERTA, MINILM_SHAPE, MS_MARCO, SCI, SCI_NF)) {
                if (hasTestModel(shared)) {
                    models.add(shared);
                }
            }
            sharedNode = OpenSearchNode.start(
                    "shared-node", testModelsDir(), models, Map.of("discovery.type", "single-node"), "768m", node -> {
                        Path broken = Files.createDirectories(
                                node.resolve("config/cross-encoder-models").resolve(BROKEN));
                        Files.writeString(broken.resolve("model.onnx"), "not an onnx model");
                        Files.copy(
                                TestModels.dir(GENERATED).resolve("tokenizer.json"), broken.resolve("tokenizer.json"));
                        copyGenerated(
                                node,
                                GENERATED_CALIBRATED,
                                "{\"calibration\":{\"scale\":2,\"bias\":-1},\"probability\":true}");
                        copyGenerated(
                                node,
                                GENERATED_BLEND,
                                "{\"score_mode\":\"interpolate\",\"normalization\":\"reciprocal_rank\",\"weight\":0.8}");
                        copyGenerated(node, GENERATED_BAD_BLEND, "{\"score_mode\":\"total\"}");
                    });
            Runtime.getRuntime().addShutdownHook(new Thread(sharedNode::close));
        }
        client = sharedNode.client();
    }

    /** The generated model under another name in a node's models path, with this {@code cross-encoder.json}. */
    private static void copyGenerated(Path node, String name, String config) throws IOException {
        Path copy = Files.createDirectories(
                node.resolve("config/cross-encoder-models").resolve(name));
        for (String file : List.of("model.onnx", "tokenizer.json")) {
            Files.copy(TestModels.dir(GENERATED).resolve(file), copy.resolve(file));
        }
        Files.writeString(copy.resolve("cross-encoder.json"), config);
    }

    public static Path testModelsDir() {
        return Paths.get(System.getProperty("tests.models.dir"));
    }

    public static boolean hasTestModel(String name) {
        return TestModels.present(name);
    }

    /** Creates an index with the given settings and mappings (JSON objects) and bulk-indexes the documents (id -> JSON source). */
    protected static void createIndex(String index, int shards, String properties, Map<String, String> documents)
            throws IOException {
        client.request("DELETE", "/" + index, null);
        client.ok(
                "PUT",
                "/" + index,
                "{\"settings\":{\"number_of_shards\":"
                        + shards
                        + ",\"number_of_replicas\":0"
                        // Only with the k-NN plugin, which some versions' test nodes run without (test-versions.sh).
                        + (properties.contains("knn_vector") ? ",\"index.knn\":true" : "")
                        + "},\"mappings\":{\"properties\":"
                        + properties
                        + "}}");
        StringBuilder bulk = new StringBuilder();
        documents.forEach((id, source) -> bulk.append("{\"index\":{\"_id\":\"")
                .append(id)
                .append("\"}}\n")
                .append(source)
                .append('\n'));
        RestClient.Response response = client.ok("POST", "/" + index + "/_bulk?refresh=true", bulk.toString());
        if (Boolean.TRUE.equals(response.path("errors"))) {
            throw new AssertionError("bulk failed: " + response.raw());
        }
    }

    /** Sends a request that must be refused with {@code status}, its error naming {@code reason}. */
    protected static void assertRefused(int status, String reason, String method, String path, String body)
            throws IOException {
        RestClient.Response response = client.request(method, path, body);
        assertEquals(response.raw(), status, response.status());
        assertThat(response.raw(), containsString(reason));
    }

    @SuppressWarnings("unchecked")
    protected static List<Map<String, Object>> hits(RestClient.Response response) {
        return (List<Map<String, Object>>) response.path("hits.hits");
    }

    protected static List<String> ids(RestClient.Response response) {
        return hits(response).stream().map(hit -> (String) hit.get("_id")).toList();
    }

    /** Each hit's {@code _score} by its {@code _id}, in hit order. */
    protected static Map<String, Float> scoresById(RestClient.Response response) {
        Map<String, Float> scores = new java.util.LinkedHashMap<>();
        hits(response).forEach(hit -> scores.put((String) hit.get("_id"), score(hit)));
        return scores;
    }

    protected static float score(Map<String, Object> hit) {
        return ((Number) hit.get("_score")).floatValue();
    }
}
