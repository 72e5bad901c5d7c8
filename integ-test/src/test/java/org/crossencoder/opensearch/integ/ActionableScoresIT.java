/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.integ;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.crossencoder.opensearch.engine.TestModels;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * Probabilities, {@code min_score} and ensembles on a real node, on every path: the generated model scores logits,
 * its calibrated copy ({@link CrossEncoderIntegTestCase#GENERATED_CALIBRATED}: {@code sigmoid(2 * logit - 1)}, and
 * probabilities by default) the same logits as probabilities; each search's scores are checked against the logits
 * the {@code _rerank} API gives for the same texts. Where {@code ../shared} is, the two trained models as an ensemble.
 */
public class ActionableScoresIT extends CrossEncoderIntegTestCase {

    private static final String INDEX = "actionable-scores";
    private static final String QUERY = "how many people live in berlin";
    private static final Map<String, String> TEXTS = new LinkedHashMap<>();

    static {
        TEXTS.put("a", "berlin has a population of about four million people");
        TEXTS.put("b", "people live in many cities");
        TEXTS.put("c", "the museum of art in new york");
        TEXTS.put("d", "berlin people live how many");
        TEXTS.put("e", "a city of people and museums in berlin");
        TEXTS.put("f", "four million");
    }

    /** Each document's logit from the generated model, by id. */
    private static final Map<String, Float> LOGITS = new LinkedHashMap<>();

    @BeforeClass
    public static void setUpIndex() throws Exception {
        Map<String, String> documents = new LinkedHashMap<>();
        TEXTS.forEach((id, text) -> documents.put(id, "{\"text\":\"" + text + "\"}"));
        createIndex(INDEX, 2, "{\"text\":{\"type\":\"text\"}}", documents);
        List<String> ids = new ArrayList<>(TEXTS.keySet());
        RestClient.Response rerank = client.ok(
                "POST",
                "/_plugins/cross_encoder/_rerank",
                "{\"model\":\"" + GENERATED + "\",\"query_text\":\"" + QUERY + "\",\"texts\":" + json(TEXTS.values())
                        + "}");
        List<Map<String, Object>> results = rerank.path("results");
        for (Map<String, Object> result : results) {
            LOGITS.put(ids.get((Integer) result.get("index")), ((Number) result.get("score")).floatValue());
        }
    }

    private static String json(Iterable<String> texts) {
        List<String> quoted = new ArrayList<>();
        texts.forEach(text -> quoted.add("\"" + text + "\""));
        return "[" + String.join(",", quoted) + "]";
    }

    /**
     * A threshold halfway between the {@code below}-th and the next lowest of the documents' scores: {@code below}
     * documents fall under it, and none sits on it (where float rounding would decide).
     */
    private static double between(ToDoubleFunction<String> score, int below) {
        double[] sorted = TEXTS.keySet().stream().mapToDouble(score).sorted().toArray();
        return (sorted[below - 1] + sorted[below]) / 2;
    }

    private static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    /** The calibrated copy's probability for a document. */
    private static double calibrated(String id) {
        return sigmoid(2.0 * LOGITS.get(id) - 1);
    }

    /** The ensemble of the generated model (weight 1) and its calibrated copy (weight 3), as probabilities. */
    private static final String ENSEMBLE = "\"models\":[\"" + GENERATED + "\",{\"model\":\"" + GENERATED_CALIBRATED
            + "\",\"weight\":3}],\"probability\":true";

    private static double ensemble(String id) {
        return 0.25 * sigmoid(LOGITS.get(id)) + 0.75 * calibrated(id);
    }

    /** The models' own scores (probabilities, means), which these tests check: the default blends them with BM25's. */
    private static RestClient.Response rescored(String models, String extra) throws Exception {
        return client.ok(
                "POST",
                "/" + INDEX + "/_search",
                "{\"size\":10,\"query\":{\"match_all\":{}}" + extra + ",\"rescore\":{\"window_size\":10,"
                        + "\"cross_encoder\":{" + models + ",\"query_text\":\"" + QUERY
                        + "\",\"fields\":[\"text\"],\"score_mode\":\"replace\"}}}");
    }

    @Test
    public void theRescoreClauseScoresWithProbabilitiesAndEnsembles() throws Exception {
        scoresById(rescored("\"model\":\"" + GENERATED + "\",\"probability\":true", ""))
                .forEach((id, score) -> assertEquals(id, sigmoid(LOGITS.get(id)), score, 1e-5));
        scoresById(rescored("\"model\":\"" + GENERATED_CALIBRATED + "\"", ""))
                .forEach((id, score) -> assertEquals("the model's default: " + id, calibrated(id), score, 1e-5));
        scoresById(rescored("\"model\":\"" + GENERATED_CALIBRATED + "\",\"probability\":false", ""))
                .forEach((id, score) -> assertEquals("logits when asked: " + id, LOGITS.get(id), score, 1e-5));
        Map<String, Float> scores = scoresById(rescored(ENSEMBLE, ""));
        assertEquals(TEXTS.keySet(), scores.keySet());
        scores.forEach((id, score) -> assertEquals(id, ensemble(id), score, 1e-5));
    }

    @Test
    public void explainShowsEachModelsLogitItsTransformAndWeight() throws Exception {
        RestClient.Response response = rescored(ENSEMBLE, ",\"explain\":true");
        String explanation = hits(response).get(0).get("_explanation").toString();
        assertThat(
                explanation,
                containsString("the weighted mean of the probabilities of models [" + GENERATED + ", "
                        + GENERATED_CALIBRATED + "]"));
        assertThat(explanation, containsString("weight [3.0] of [2] models' (share 0.75)"));
        assertThat(
                explanation,
                containsString("probability of relevance from model [" + GENERATED_CALIBRATED
                        + "]: sigmoid(2.0 * logit - 1.0) of:"));
        assertThat(explanation, containsString("logit of model [" + GENERATED + "]"));
        String top = (String) hits(response).get(0).get("_id");
        assertThat(explanation, containsString("value=" + LOGITS.get(top)));
    }

    @Test
    public void theResponseProcessorDropsHitsBelowMinScoreOnEveryNode() throws Exception {
        double threshold = between(ActionableScoresIT::ensemble, 2);
        for (String scoreOn : List.of("coordinator", "data_nodes")) {
            client.ok(
                    "PUT",
                    "/_search/pipeline/min-score",
                    "{\"response_processors\":[{\"cross_encoder_rerank\":{" + ENSEMBLE + ",\"fields\":[\"text\"],"
                            + "\"min_score\":" + threshold + ",\"score_on\":\"" + scoreOn
                            + "\",\"score_mode\":\"replace\","
                            + "\"query_text_path\":\"ext.cross_encoder.query_text\"}}]}");
            Map<String, Float> kept = scoresById(client.ok(
                    "POST",
                    "/" + INDEX + "/_search?search_pipeline=min-score",
                    "{\"size\":10,\"query\":{\"match_all\":{}},\"ext\":{\"cross_encoder\":{\"query_text\":\"" + QUERY
                            + "\"}}}"));
            List<String> expected = TEXTS.keySet().stream()
                    .filter(id -> ensemble(id) >= threshold)
                    .sorted((x, y) -> Double.compare(ensemble(y), ensemble(x)))
                    .toList();
            assertEquals(scoreOn, expected, List.copyOf(kept.keySet()));
            assertEquals(scoreOn, TEXTS.size() - 2, kept.size());
            kept.forEach((id, score) ->
                    assertThat(scoreOn + " " + id, (double) score, greaterThanOrEqualTo(threshold - 1e-6)));
        }
    }

    @Test
    public void theGlobalWindowPagesOnlyHitsAtOrAboveMinScore() throws Exception {
        double threshold = between(ActionableScoresIT::calibrated, 2);
        client.ok(
                "PUT",
                "/_search/pipeline/min-score-window",
                "{\"request_processors\":[{\"cross_encoder_window\":{\"window_size\":10}}],"
                        + "\"response_processors\":[{\"cross_encoder_rerank\":{\"model\":\"" + GENERATED_CALIBRATED
                        + "\",\"fields\":[\"text\"],\"min_score\":" + threshold + ",\"score_mode\":\"replace\","
                        + "\"query_text_path\":\"ext.cross_encoder.query_text\"}}]}");
        List<String> likely = TEXTS.keySet().stream()
                .filter(id -> calibrated(id) >= threshold)
                .sorted((x, y) -> Double.compare(calibrated(y), calibrated(x)))
                .toList();
        assertEquals(TEXTS.size() - 2, likely.size());
        List<String> paged = new ArrayList<>();
        for (int from = 0; from < TEXTS.size(); from += 2) {
            paged.addAll(ids(client.ok(
                    "POST",
                    "/" + INDEX + "/_search?search_pipeline=min-score-window",
                    "{\"from\":" + from + ",\"size\":2,\"query\":{\"match_all\":{}},\"ext\":{\"cross_encoder\":{"
                            + "\"query_text\":\"" + QUERY + "\"}}}")));
        }
        assertEquals("pages of the hits likely relevant, in the model's order", likely, paged);
    }

    @Test
    public void theRerankApiLeavesOutTextsBelowMinScore() throws Exception {
        double threshold = between(ActionableScoresIT::ensemble, 3);
        RestClient.Response response = client.ok(
                "POST",
                "/_plugins/cross_encoder/_rerank",
                "{" + ENSEMBLE + ",\"min_score\":" + threshold + ",\"query_text\":\"" + QUERY + "\",\"texts\":"
                        + json(TEXTS.values()) + "}");
        assertEquals(List.of(GENERATED, GENERATED_CALIBRATED), response.path("models"));
        List<String> ids = new ArrayList<>(TEXTS.keySet());
        List<Map<String, Object>> results = response.path("results");
        List<String> expected = ids.stream()
                .filter(id -> ensemble(id) >= threshold)
                .sorted((x, y) -> Double.compare(ensemble(y), ensemble(x)))
                .toList();
        assertEquals(TEXTS.size() - 3, expected.size());
        assertEquals(
                expected,
                results.stream().map(r -> ids.get((Integer) r.get("index"))).toList());
        for (Map<String, Object> result : results) {
            String id = ids.get((Integer) result.get("index"));
            assertEquals(id, ensemble(id), ((Number) result.get("score")).doubleValue(), 1e-5);
        }
    }

    @Test
    public void badOptionsAreRefusedWithTheReason() throws Exception {
        assertRefused(
                400,
                "takes no [min_score]: a rescore reorders each shard's hits",
                "POST",
                "/" + INDEX + "/_search",
                "{\"rescore\":{\"cross_encoder\":{\"model\":\"" + GENERATED + "\",\"query_text\":\"q\","
                        + "\"fields\":[\"text\"],\"min_score\":0.5}}}");

        assertRefused(
                400,
                "give [min_score] to the [cross_encoder_rerank] response processor",
                "PUT",
                "/_search/pipeline/rescore-min-score",
                "{\"request_processors\":[{\"cross_encoder_rescore\":{\"model\":\"" + GENERATED
                        + "\",\"fields\":[\"text\"],\"min_score\":0.5}}]}");

        assertRefused(
                400,
                "disagree on [probability]",
                "POST",
                "/_plugins/cross_encoder/_rerank",
                "{\"models\":[\"" + GENERATED + "\",\"" + GENERATED_CALIBRATED + "\"],\"query_text\":\"q\","
                        + "\"texts\":[\"a\"]}");

        assertRefused(
                404,
                "[not-a-model]",
                "POST",
                "/_plugins/cross_encoder/_rerank",
                "{\"models\":[\"" + GENERATED + "\",\"not-a-model\"],\"query_text\":\"q\",\"texts\":[\"a\"]}");

        RestClient.Response tooMany = client.request(
                "PUT", "/_cluster/settings", "{\"transient\":{\"plugins.cross_encoder.max_pairs_per_request\":10}}");
        assertEquals(200, tooMany.status());
        try {
            assertRefused(
                    400,
                    "and scored by [2] models can make [12] pairs",
                    "POST",
                    "/_plugins/cross_encoder/_rerank",
                    "{" + ENSEMBLE + ",\"query_text\":\"q\",\"texts\":" + json(TEXTS.values()) + "}");
        } finally {
            client.ok(
                    "PUT",
                    "/_cluster/settings",
                    "{\"transient\":{\"plugins.cross_encoder.max_pairs_per_request\":null}}");
        }
    }

    @Test
    public void theTrainedModelsAverageAsEachAloneScores() throws Exception {
        TestModels.assumePresent(SCI, SCI_NF);
        Map<String, Float> sci = scoresById(rescored("\"model\":\"" + SCI + "\"", ""));
        Map<String, Float> nf = scoresById(rescored("\"model\":\"" + SCI_NF + "\"", ""));
        Map<String, Float> both = scoresById(rescored("\"models\":[\"" + SCI + "\",\"" + SCI_NF + "\"]", ""));
        assertFalse("two models that disagree", sci.equals(nf));
        both.forEach((id, score) -> assertEquals(id, (sci.get(id) + nf.get(id)) / 2, score, 1e-4));
        assertTrue(both.size() == TEXTS.size());
    }
}
