/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.integ;

import static org.crossencoder.opensearch.integ.CrossEncoderIntegTestCase.SCI;
import static org.crossencoder.opensearch.integ.CrossEncoderIntegTestCase.testModelsDir;
import static org.junit.Assert.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.crossencoder.opensearch.engine.TestModels;
import org.junit.Test;

/**
 * The exact levers on a real node, with the plugin installed as users install it (so under 2.19's security manager or
 * 3.x's agent): the trained model, copied into the models path by hand, runs with its last layer at [CLS] only, says so
 * in the models API, and scores as a node with {@code plugins.cross_encoder.inference.exact_levers: false} does.
 */
public class ExactLeversIT {

    private static final String QUERY = "vitamin D and the risk of fracture";
    private static final List<String> TEXTS = List.of(
            "Vitamin D supplements did not lower the risk of hip fracture in older adults.",
            "The river flooded the valley after three days of rain.",
            "Serum 25-hydroxyvitamin D below 20 ng/mL defines deficiency in most guidelines.",
            "Fractures of the wrist are common in children who play contact sports.");

    @Test
    public void aHandCopiedModelRunsInItsFastestExactFormAndScoresAsItsOwnGraph() throws Exception {
        TestModels.assumePresent(SCI);
        Map<Integer, Double> levered =
                scoresOnANode("levers-on", Map.of(), Map.of("applied", List.of("cls_last_layer"), "at", "load"));
        Map<Integer, Double> own = scoresOnANode(
                "levers-off",
                Map.of("plugins.cross_encoder.inference.exact_levers", "false"),
                Map.of("applied", List.of(), "reason", "turned off by [plugins.cross_encoder.inference.exact_levers]"));
        assertEquals(own.keySet(), levered.keySet());
        for (Map.Entry<Integer, Double> score : own.entrySet()) {
            assertEquals("text " + score.getKey(), score.getValue(), levered.get(score.getKey()), 1e-4);
        }
    }

    /** Each text's score on a node with these settings, after checking what the models API says of the levers. */
    @SuppressWarnings("unchecked")
    private static Map<Integer, Double> scoresOnANode(
            String name, Map<String, String> settings, Map<String, Object> expectedLevers) throws Exception {
        Map<String, String> nodeSettings = new TreeMap<>(settings);
        nodeSettings.put("discovery.type", "single-node");
        try (OpenSearchNode node = OpenSearchNode.start(name, testModelsDir(), List.of(SCI), nodeSettings)) {
            RestClient client = node.client();
            RestClient.Response models = client.ok("GET", "/_plugins/cross_encoder/models", null);
            Map<String, Object> onlyNode = ((Map<String, Map<String, Object>>) models.path("nodes"))
                    .values()
                    .iterator()
                    .next();
            Map<String, Object> model = ((List<Map<String, Object>>) onlyNode.get("models")).get(0);
            assertEquals(models.raw(), expectedLevers, model.get("exact_levers"));
            StringBuilder texts = new StringBuilder();
            for (String text : TEXTS) {
                texts.append(texts.isEmpty() ? "" : ",")
                        .append('"')
                        .append(text)
                        .append('"');
            }
            List<Map<String, Object>> results = client.ok(
                            "POST",
                            "/_plugins/cross_encoder/_rerank",
                            "{\"model\":\"" + SCI + "\",\"query_text\":\"" + QUERY + "\",\"texts\":[" + texts + "]}")
                    .path("results");
            Map<Integer, Double> scores = new TreeMap<>();
            results.forEach(
                    result -> scores.put((Integer) result.get("index"), ((Number) result.get("score")).doubleValue()));
            return scores;
        }
    }
}
