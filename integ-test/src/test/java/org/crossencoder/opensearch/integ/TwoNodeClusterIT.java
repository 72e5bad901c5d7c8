/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.integ;

import static org.crossencoder.opensearch.integ.CrossEncoderIntegTestCase.TINY_BERT;
import static org.crossencoder.opensearch.integ.CrossEncoderIntegTestCase.TINY_XLM_ROBERTA;
import static org.crossencoder.opensearch.integ.CrossEncoderIntegTestCase.testModelsDir;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.crossencoder.opensearch.engine.CrossEncoderModel;
import org.crossencoder.opensearch.engine.TestModels;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * Two OpenSearch processes on 127.0.0.1 forming one cluster, each with the plugin and its own models
 * directory: node [two-a] has both tiny models, node [two-b] only the BERT one; and both have a model named
 * [same-name] made of other files on each node.
 */
public class TwoNodeClusterIT {

    private static TwoNodeCluster cluster;
    private static OpenSearchNode nodeB;
    private static RestClient client;
    private static final String SAME_NAME = "same-name";

    /** Puts the files of {@code source} (a test model) into the node's models path under the name [same-name]. */
    private static OpenSearchNode.Preparation sameNameFrom(String source) {
        return directory -> {
            Path target = Files.createDirectories(
                    directory.resolve("config/cross-encoder-models").resolve(SAME_NAME));
            for (String file : List.of("model.onnx", "tokenizer.json")) {
                Files.copy(testModelsDir().resolve(source).resolve(file), target.resolve(file));
            }
        };
    }

    @BeforeClass
    public static void startCluster() throws Exception {
        TestModels.assumePresent(TINY_BERT, TINY_XLM_ROBERTA);
        cluster = TwoNodeCluster.start(
                "two",
                List.of(TINY_BERT, TINY_XLM_ROBERTA),
                sameNameFrom(TINY_BERT),
                List.of(TINY_BERT),
                sameNameFrom(TINY_XLM_ROBERTA));
        nodeB = cluster.b();
        client = cluster.client();
        StringBuilder bulk = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            bulk.append("{\"index\":{\"_id\":\"").append(i).append("\"}}\n");
            bulk.append("{\"passage\":\"people live in city number ")
                    .append(i)
                    .append(" of ")
                    .append(i % 3 == 0 ? "berlin" : "europe")
                    .append("\"}\n");
        }
        cluster.createSpreadIndex("spread", bulk.toString());
    }

    @AfterClass
    public static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static String search(String model, String extra) {
        return "{\"size\":20,\"explain\":true" + extra
                + ",\"query\":{\"match\":{\"passage\":\"people\"}},\"rescore\":{\"window_size\":20,"
                + "\"cross_encoder\":{\"model\":\"" + model
                + "\",\"query_text\":\"berlin\",\"fields\":[\"passage\"],\"score_mode\":\"replace\"}}}"; // each node's
        // logits
    }

    @Test
    public void theModelsApiSaysWhichModelsDifferAcrossTheClusterAndHowToFixIt() throws Exception {
        RestClient.Response response = client.ok("GET", "/_plugins/cross_encoder/models", null);
        assertEquals(Boolean.TRUE, response.path("models." + TINY_BERT + ".consistent"));
        assertEquals(Boolean.FALSE, response.path("models." + TINY_XLM_ROBERTA + ".consistent"));
        assertEquals(List.of("two-b"), response.path("models." + TINY_XLM_ROBERTA + ".missing_on"));
        assertEquals(Boolean.FALSE, response.path("models." + SAME_NAME + ".consistent"));
        List<String> differs = response.path("models." + SAME_NAME + ".differs_on");
        assertEquals(response.raw(), 1, differs.size());
        assertEquals(List.of(), response.path("models." + SAME_NAME + ".missing_on"));
        assertThat(
                (String) response.path("models." + SAME_NAME + ".fix"),
                containsString("needs the same model directory"));
        Map<String, Map<String, Object>> perNode = response.path("models." + SAME_NAME + ".nodes");
        assertEquals(2, perNode.size());
        assertEquals(
                2,
                perNode.values().stream().map(n -> n.get("sha256")).distinct().count());
    }

    @Test
    public void aShardWhoseNodeHasOtherFilesUnderTheModelsNameFailsInsteadOfRankingWithThem() throws Exception {
        RestClient.Response response = client.ok("POST", "/spread/_search", search(SAME_NAME, ""));
        assertEquals(response.raw(), 1, (int) response.path("_shards.failed"));
        assertEquals(1, (int) response.path("_shards.successful"));
        String reason = response.path("_shards.failures.0.reason.reason");
        assertThat(
                reason,
                containsString("cross-encoder model [" + SAME_NAME
                        + "] on node [two-b] has other files or settings than on node [two-a]"));
        assertThat(reason, containsString("GET _plugins/cross_encoder/models"));
    }

    @Test
    @SuppressWarnings("unchecked")
    public void eachNodeReranksItsShardsWithItsOwnModel() throws Exception {
        RestClient.Response response = client.ok("POST", "/spread/_search", search(TINY_BERT, ""));
        assertEquals(2, (int) response.path("_shards.successful"));
        List<Map<String, Object>> hits = (List<Map<String, Object>>) response.path("hits.hits");
        assertEquals(20, hits.size());
        Set<String> nodes = new HashSet<>();
        try (CrossEncoderModel reference = CrossEncoderModel.load(
                TINY_BERT, testModelsDir().resolve(TINY_BERT), new CrossEncoderModel.InferenceOptions(4, 1))) {
            for (Map<String, Object> hit : hits) {
                nodes.add((String) hit.get("_node"));
                String passage = (String) ((Map<String, Object>) hit.get("_source")).get("passage");
                assertEquals(
                        reference.score("berlin", List.of(passage))[0],
                        ((Number) hit.get("_score")).floatValue(),
                        1e-5f);
            }
        }
        assertEquals("hits come from shards on both nodes", 2, nodes.size());
    }

    @Test
    public void aNodeWithoutTheModelSaysWhichNodeAndModel() throws Exception {
        RestClient.Response partial = client.ok("POST", "/spread/_search", search(TINY_XLM_ROBERTA, ""));
        assertEquals(1, (int) partial.path("_shards.failed"));
        assertThat(
                (String) partial.path("_shards.failures.0.reason.reason"),
                containsString("unknown cross-encoder model [" + TINY_XLM_ROBERTA
                        + "] on node [two-b]; loaded models: [" + SAME_NAME + ", " + TINY_BERT + "]"));
        assertThat(
                (String) partial.path("_shards.failures.0.reason.reason"),
                containsString(
                        "copy its directory into that path and reload the models (POST _plugins/cross_encoder/models/_reload)"));

        RestClient.Response strict = client.request(
                "POST", "/spread/_search?allow_partial_search_results=false", search(TINY_XLM_ROBERTA, ""));
        assertEquals(strict.raw(), 404, strict.status());
        assertThat(strict.raw(), containsString("on node [two-b]"));

        RestClient.Response direct = nodeB.client()
                .request(
                        "POST",
                        "/_plugins/cross_encoder/_rerank",
                        "{\"model\":\"" + TINY_XLM_ROBERTA + "\",\"query_text\":\"q\",\"texts\":[\"a\"]}");
        assertEquals(404, direct.status());
        assertThat(
                direct.raw(), containsString("unknown cross-encoder model [" + TINY_XLM_ROBERTA + "] on node [two-b]"));
    }

    @Test
    @SuppressWarnings("unchecked")
    public void modelsApiListsEachNodesOwnModels() throws Exception {
        RestClient.Response response = client.ok("GET", "/_plugins/cross_encoder/models", null);
        assertEquals(2, (int) response.path("_nodes.successful"));
        Map<String, List<String>> modelsByNode = new LinkedHashMap<>();
        ((Map<String, Map<String, Object>>) response.path("nodes"))
                .values()
                .forEach(node -> modelsByNode.put(
                        (String) node.get("name"),
                        ((List<Map<String, Object>>) node.get("models"))
                                .stream().map(m -> (String) m.get("name")).toList()));
        assertEquals(
                Map.of(
                        "two-a",
                        List.of(SAME_NAME, TINY_BERT, TINY_XLM_ROBERTA),
                        "two-b",
                        List.of(SAME_NAME, TINY_BERT)),
                modelsByNode);

        RestClient.Response onlyB = client.ok("GET", "/_plugins/cross_encoder/two-b/stats", null);
        assertEquals(1, (int) onlyB.path("_nodes.total"));
    }
}
