/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.integ;

import static org.crossencoder.opensearch.integ.CrossEncoderRescoreIT.BERLIN;
import static org.crossencoder.opensearch.integ.CrossEncoderRescoreIT.BERLIN_QUERY;
import static org.crossencoder.opensearch.integ.CrossEncoderRescoreIT.NEW_YORK;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThat;

import java.nio.file.Files;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.crossencoder.opensearch.engine.CrossEncoderModel;
import org.crossencoder.opensearch.engine.TestModels;
import org.junit.BeforeClass;
import org.junit.Test;

/** {@code _plugins/cross_encoder/_rerank}, {@code /models} and {@code /stats} on a real node. */
public class RerankApiIT extends CrossEncoderIntegTestCase {

    @BeforeClass
    public static void needsTheSharedTinyModel() {
        TestModels.assumePresent(TINY_BERT);
    }

    private static RestClient.Response rerank(String body) throws Exception {
        return client.request("POST", "/_plugins/cross_encoder/_rerank", body);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> results(RestClient.Response response) {
        return (List<Map<String, Object>>) response.path("results");
    }

    @Test
    public void scoresTextsBestFirstWithTheirPositions() throws Exception {
        RestClient.Response response = rerank("{\"model\":\"" + TINY_BERT + "\",\"query_text\":\"" + BERLIN_QUERY
                + "\",\"texts\":[\"" + BERLIN + "\",\"" + NEW_YORK + "\"]}");
        assertEquals(response.raw(), 200, response.status());
        assertEquals(TINY_BERT, response.path("model"));
        List<Map<String, Object>> results = results(response);
        assertEquals(1, results.get(0).get("index"));
        assertEquals(1.5387218f, ((Number) results.get(0).get("score")).floatValue(), 1e-5f);
        assertEquals(0, results.get(1).get("index"));
        assertEquals(-1.5696858f, ((Number) results.get(1).get("score")).floatValue(), 1e-5f);
    }

    @Test
    public void readsTheNamedFieldsOfDocumentsAndCutsToTopN() throws Exception {
        RestClient.Response response = rerank("{\"model\":\"" + TINY_BERT + "\",\"query_text\":\"" + BERLIN_QUERY
                + "\",\"top_n\":2,\"fields\":[\"title\",\"body.text\"],"
                + "\"documents\":[{\"title\":\"Berlin\",\"body\":{\"text\":\"" + BERLIN
                + "\"}},{\"title\":\"NYC\"},{\"title\":\"\",\"body\":{\"text\":\"x\"}}]}");
        assertEquals(response.raw(), 200, response.status());
        List<Map<String, Object>> results = results(response);
        assertEquals(2, results.size());
        try (CrossEncoderModel reference = CrossEncoderModel.load(
                TINY_BERT, testModelsDir().resolve(TINY_BERT), new CrossEncoderModel.InferenceOptions(4, 1))) {
            float[] expected = reference.score(BERLIN_QUERY, List.of("Berlin " + BERLIN, "NYC", "x"));
            for (Map<String, Object> result : results) {
                assertEquals(
                        expected[(Integer) result.get("index")], ((Number) result.get("score")).floatValue(), 1e-5f);
            }
            assertThat(
                    ((Number) results.get(0).get("score")).floatValue(),
                    greaterThanOrEqualTo(((Number) results.get(1).get("score")).floatValue()));
        }
    }

    @Test
    public void badRequestsAreNamed() throws Exception {
        RestClient.Response unknown = rerank("{\"model\":\"nope\",\"query_text\":\"q\",\"texts\":[\"a\"]}");
        assertEquals(404, unknown.status());
        assertThat(
                unknown.raw(),
                containsString("unknown cross-encoder model [nope] on node [shared-node]; loaded models: ["));

        RestClient.Response invalid = rerank("{\"model\":\"" + TINY_BERT + "\",\"texts\":[]}");
        assertEquals(400, invalid.status());
        assertThat(invalid.raw(), containsString("[query_text] is required"));
        assertThat(invalid.raw(), containsString("[texts] or [documents] must hold at least one entry"));

        RestClient.Response both = rerank(
                "{\"model\":\"m\",\"query_text\":\"q\",\"texts\":[\"a\"],\"documents\":[{}],\"fields\":[\"a\"]}");
        assertEquals(400, both.status());
        assertThat(both.raw(), containsString("[rerank] takes [texts] or [documents], not both"));

        RestClient.Response noFields = rerank("{\"model\":\"m\",\"query_text\":\"q\",\"documents\":[{\"a\":\"b\"}]}");
        assertEquals(400, noFields.status());
        assertThat(noFields.raw(), containsString("[rerank] [documents] need [fields]"));

        RestClient.Response unknownField = rerank("{\"model\":\"m\",\"query_text\":\"q\",\"texts\":[\"a\"],\"txt\":1}");
        assertEquals(400, unknownField.status());
        assertThat(unknownField.raw(), containsString("unknown field [txt]"));

        client.ok("PUT", "/_cluster/settings", "{\"transient\":{\"plugins.cross_encoder.rescore.max_window_size\":2}}");
        try {
            RestClient.Response tooMany =
                    rerank("{\"model\":\"" + TINY_BERT + "\",\"query_text\":\"q\",\"texts\":[\"a\",\"b\",\"c\"]}");
            assertEquals(400, tooMany.status());
            assertThat(tooMany.raw(), containsString("[rerank] the number of texts [3] is too large"));
            assertThat(
                    tooMany.raw(),
                    containsString("[plugins.cross_encoder.rescore.max_window_size] allows at most [2]"));
        } finally {
            client.ok(
                    "PUT",
                    "/_cluster/settings",
                    "{\"transient\":{\"plugins.cross_encoder.rescore.max_window_size\":null}}");
        }
    }

    @Test
    public void listsTheModelsOfEveryNode() throws Exception {
        RestClient.Response response = client.ok("GET", "/_plugins/cross_encoder/models", null);
        assertEquals(1, (int) response.path("_nodes.successful"));
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> nodes = (Map<String, Map<String, Object>>) response.path("nodes");
        Map<String, Object> node = nodes.values().iterator().next();
        assertEquals("shared-node", node.get("name"));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> models = (List<Map<String, Object>>) node.get("models");
        Map<String, Object> tiny = models.stream()
                .filter(m -> TINY_BERT.equals(m.get("name")))
                .findFirst()
                .orElseThrow();
        assertEquals("loaded", tiny.get("status"));
        assertEquals(512, tiny.get("max_length"));
        assertEquals("longest_first", tiny.get("truncation"));
        assertEquals("logit", tiny.get("output"));
        byte[] onnx = Files.readAllBytes(testModelsDir().resolve(TINY_BERT).resolve("model.onnx"));
        assertEquals(onnx.length, ((Number) tiny.get("size_in_bytes")).intValue());
        assertThat(((Number) tiny.get("resident_size_in_bytes")).longValue(), greaterThanOrEqualTo((long) onnx.length));
        assertEquals(
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(onnx)), tiny.get("sha256"));
        assertThat(((String) tiny.get("path")), containsString("cross-encoder-models/" + TINY_BERT));
        assertEquals("the models view leaves the counters out", null, node.get("inference"));
    }

    @Test
    public void countsRequestsAndPairs() throws Exception {
        Map<String, Object> before = inference();
        rerank("{\"model\":\"" + TINY_BERT
                + "\",\"query_text\":\"q\",\"texts\":[\"counted a\",\"counted b\",\"counted c\"]}");
        Map<String, Object> after = inference();
        assertEquals(((Number) before.get("requests")).longValue() + 1, ((Number) after.get("requests")).longValue());
        assertEquals(
                ((Number) before.get("pairs_scored")).longValue() + 3,
                ((Number) after.get("pairs_scored")).longValue());
        for (String counter : List.of(
                "errors", "queue_rejections", "total_time_in_millis", "p50_time_in_millis", "p99_time_in_millis")) {
            assertThat(counter, ((Number) after.get(counter)).doubleValue(), greaterThanOrEqualTo(0.0));
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> inference() throws Exception {
        Map<String, Map<String, Object>> nodes =
                client.ok("GET", "/_plugins/cross_encoder/stats", null).path("nodes");
        return (Map<String, Object>) nodes.values().iterator().next().get("inference");
    }
}
