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
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * The blend a search gets when it does not say: {@code interpolate} with {@code min_max} and weight 0.5 on every path,
 * the model's own default where its {@code cross-encoder.json} sets one ({@link #GENERATED_BLEND}: reciprocal rank,
 * 0.8), each option a request gives overriding it; a default blend the plugin refuses fails that model's load.
 */
public class DefaultBlendIT extends CrossEncoderIntegTestCase {

    private static final String INDEX = "blend";
    private static final String QUERY = "how many people live in berlin";
    private static final String MATCH = "\"query\":{\"match\":{\"passage\":\"berlin\"}}";
    private static final String EXT = ",\"ext\":{\"cross_encoder\":{\"query_text\":\"" + QUERY + "\"}}";
    private static final int DOCS = 8;

    /** Each document's BM25 score and the generated model's logit (its copies have the same weights). */
    private static final Map<String, Float> BM25 = new LinkedHashMap<>();

    private static final Map<String, Float> LOGITS = new HashMap<>();

    @BeforeClass
    public static void setUpIndex() throws Exception {
        Map<String, String> documents = new LinkedHashMap<>();
        List<String> passages = new ArrayList<>();
        for (int i = 1; i <= DOCS; i++) {
            // i mentions of "berlin": every document has a BM25 score of its own.
            String passage = ("berlin ".repeat(i) + "people and places number " + i).trim();
            passages.add(passage);
            documents.put("d" + i, "{\"passage\":\"" + passage + "\"}");
        }
        createIndex(INDEX, 1, "{\"passage\":{\"type\":\"text\"}}", documents);
        BM25.putAll(scoresById(client.ok("POST", "/" + INDEX + "/_search", "{\"size\":" + DOCS + "," + MATCH + "}")));
        assertEquals(DOCS, BM25.size());
        RestClient.Response rerank = client.ok(
                "POST",
                "/_plugins/cross_encoder/_rerank",
                "{\"model\":\"" + GENERATED + "\",\"query_text\":\"" + QUERY + "\",\"texts\":["
                        + String.join(
                                ",", passages.stream().map(p -> "\"" + p + "\"").toList()) + "]}");
        List<Map<String, Object>> results = rerank.path("results");
        for (Map<String, Object> result : results) {
            LOGITS.put("d" + ((Integer) result.get("index") + 1), ((Number) result.get("score")).floatValue());
        }
    }

    /** {@code (s - min) / (max - min)} of each document's score. */
    private static Map<String, Float> minMax(Map<String, Float> scores) {
        float min = scores.values().stream().min(Float::compare).orElseThrow();
        float max = scores.values().stream().max(Float::compare).orElseThrow();
        Map<String, Float> normalized = new HashMap<>();
        scores.forEach((id, score) -> normalized.put(id, (score - min) / (max - min)));
        return normalized;
    }

    /** {@code 1 / (60 + rank)}, rank 1 for the best score. */
    private static Map<String, Float> reciprocalRank(Map<String, Float> scores) {
        List<String> byScore = scores.keySet().stream()
                .sorted(Comparator.comparing(scores::get).reversed())
                .toList();
        Map<String, Float> normalized = new HashMap<>();
        for (int rank = 0; rank < byScore.size(); rank++) {
            normalized.put(byScore.get(rank), 1f / (60 + rank + 1));
        }
        return normalized;
    }

    /** {@code weight * norm(model) + (1 - weight) * norm(BM25)} of every document. */
    private static Map<String, Float> blend(boolean minMax, float weight) {
        Map<String, Float> model = minMax ? minMax(LOGITS) : reciprocalRank(LOGITS);
        Map<String, Float> firstStage = minMax ? minMax(BM25) : reciprocalRank(BM25);
        Map<String, Float> blended = new HashMap<>();
        BM25.keySet().forEach(id -> blended.put(id, weight * model.get(id) + (1 - weight) * firstStage.get(id)));
        return blended;
    }

    private static void assertScores(String what, Map<String, Float> expected, RestClient.Response response) {
        Map<String, Float> scores = scoresById(response);
        assertEquals(what + ": " + response.raw(), expected.keySet(), scores.keySet());
        scores.forEach((id, score) -> assertEquals(what + " " + id, expected.get(id), score, 1e-5f));
        List<Float> inOrder = new ArrayList<>(scores.values());
        for (int i = 1; i < inOrder.size(); i++) {
            assertTrue(what + " is ordered by the blend", inOrder.get(i) <= inOrder.get(i - 1));
        }
    }

    private static RestClient.Response rescored(String model, String options, String extra) throws Exception {
        return client.ok(
                "POST",
                "/" + INDEX + "/_search",
                "{\"size\":" + DOCS + "," + MATCH + extra + ",\"rescore\":{\"window_size\":" + DOCS
                        + ",\"cross_encoder\":{\"model\":\"" + model + "\",\"query_text\":\"" + QUERY
                        + "\",\"fields\":[\"passage\"]" + options + "}}}");
    }

    private static RestClient.Response pipelined(String pipeline, String definition) throws Exception {
        client.ok("PUT", "/_search/pipeline/" + pipeline, definition);
        return client.ok(
                "POST",
                "/" + INDEX + "/_search?search_pipeline=" + pipeline,
                "{\"size\":" + DOCS + "," + MATCH + EXT + "}");
    }

    @Test
    public void everyPathBlendsInterpolateMinMaxHalfAndHalfByDefault() throws Exception {
        Map<String, Float> expected = blend(true, 0.5f);
        assertScores("rescore clause", expected, rescored(GENERATED, "", ""));
        assertScores(
                "cross_encoder_rescore",
                expected,
                pipelined(
                        "blend-rescore",
                        "{\"request_processors\":[{\"cross_encoder_rescore\":{\"model\":\"" + GENERATED
                                + "\",\"fields\":[\"passage\"],\"window_size\":" + DOCS + "}}]}"));
        assertScores(
                "cross_encoder_rerank",
                expected,
                pipelined(
                        "blend-rerank",
                        "{\"response_processors\":[{\"cross_encoder_rerank\":{\"model\":\"" + GENERATED
                                + "\",\"fields\":[\"passage\"]}}]}"));
        assertScores(
                "global window",
                expected,
                pipelined(
                        "blend-global",
                        "{\"request_processors\":[{\"cross_encoder_window\":{\"window_size\":" + DOCS + "}}],"
                                + "\"response_processors\":[{\"cross_encoder_rerank\":{\"model\":\"" + GENERATED
                                + "\",\"fields\":[\"passage\"],\"score_on\":\"data_nodes\"}}]}"));

        assertScores("replace, one option away", LOGITS, rescored(GENERATED, ",\"score_mode\":\"replace\"", ""));
        assertScores(
                "replace on the response processor",
                LOGITS,
                pipelined(
                        "blend-rerank-replace",
                        "{\"response_processors\":[{\"cross_encoder_rerank\":{\"model\":\"" + GENERATED
                                + "\",\"fields\":[\"passage\"],\"score_mode\":\"replace\"}}]}"));

        String explained = rescored(GENERATED, "", ",\"explain\":true").raw();
        assertThat(explained, containsString("weighted sum of min_max normalized scores over the reranked window"));
        assertThat(explained, containsString("weight [0.5] times normalized cross-encoder score"));
    }

    @Test
    public void aModelsDefaultBlendAppliesAndEachOptionOfARequestOverridesIt() throws Exception {
        assertScores("the model's default", blend(false, 0.8f), rescored(GENERATED_BLEND, "", ""));
        assertScores(
                "the model's default on the response processor",
                blend(false, 0.8f),
                pipelined(
                        "model-blend-rerank",
                        "{\"response_processors\":[{\"cross_encoder_rerank\":{\"model\":\"" + GENERATED_BLEND
                                + "\",\"fields\":[\"passage\"]}}]}"));
        assertScores(
                "the request's weight, the model's normalization",
                blend(false, 0.3f),
                rescored(GENERATED_BLEND, ",\"weight\":0.3", ""));
        assertScores(
                "the request's normalization, the model's weight",
                blend(true, 0.8f),
                rescored(GENERATED_BLEND, ",\"normalization\":\"min_max\"", ""));
        assertScores("the request's score_mode", LOGITS, rescored(GENERATED_BLEND, ",\"score_mode\":\"replace\"", ""));
        assertThat(
                rescored(GENERATED_BLEND, "", ",\"explain\":true").raw(),
                containsString("weighted sum of reciprocal_rank normalized scores over the reranked window"));

        assertRefused(
                400,
                "set different default blends in their cross-encoder.json",
                "POST",
                "/" + INDEX + "/_search",
                "{" + MATCH + ",\"rescore\":{\"cross_encoder\":{\"models\":[\"" + GENERATED + "\",\"" + GENERATED_BLEND
                        + "\"],\"query_text\":\"q\",\"fields\":[\"passage\"]}}}");

        Map<String, Object> shown = nodesModel(GENERATED_BLEND);
        assertEquals(shown.toString(), "interpolate", shown.get("score_mode"));
        assertEquals(shown.toString(), "reciprocal_rank", shown.get("normalization"));
        assertEquals(shown.toString(), 0.8, ((Number) shown.get("weight")).doubleValue(), 1e-6);
        assertEquals(
                "a model without a default of its own shows none",
                null,
                nodesModel(GENERATED).get("score_mode"));
    }

    /** The shared node's entry for a model in the models API. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> nodesModel(String name) throws Exception {
        Map<String, Map<String, Object>> nodes =
                client.ok("GET", "/_plugins/cross_encoder/models", null).path("nodes");
        List<Map<String, Object>> models =
                (List<Map<String, Object>>) nodes.values().iterator().next().get("models");
        return models.stream()
                .filter(model -> name.equals(model.get("name")))
                .findFirst()
                .orElseThrow();
    }

    @Test
    public void aBadDefaultBlendFailsThatModelsLoadAndSaysWhy() throws Exception {
        String reason =
                "[cross-encoder.json] default blend: [score_mode] must be [replace] or [interpolate] but was [total]";
        Map<String, Object> failed = nodesModel(GENERATED_BAD_BLEND);
        assertEquals("failed", failed.get("status"));
        assertThat((String) failed.get("error"), containsString(reason));
        assertRefused(
                503,
                reason,
                "POST",
                "/" + INDEX + "/_search",
                "{" + MATCH + ",\"rescore\":{\"cross_encoder\":{" + "\"model\":\"" + GENERATED_BAD_BLEND
                        + "\",\"query_text\":\"q\",\"fields\":[\"passage\"]}}}");
    }
}
