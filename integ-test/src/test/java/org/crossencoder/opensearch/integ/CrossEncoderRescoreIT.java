/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.integ;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.lessThan;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.crossencoder.opensearch.engine.CrossEncoderModel;
import org.crossencoder.opensearch.engine.TestModels;
import org.junit.AfterClass;
import org.junit.Assume;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * The {@code cross_encoder} rescorer on a real node: scores against the model run in this JVM without
 * OpenSearch, order, the window, score modes, {@code explain}, and every bad request.
 */
public class CrossEncoderRescoreIT extends CrossEncoderIntegTestCase {

    static final String BERLIN_QUERY = "How many people live in Berlin?";
    static final String BERLIN =
            "Berlin has a population of 3,520,031 registered inhabitants in an area of 891.82 square kilometers.";
    static final String NEW_YORK = "New York City is famous for the Metropolitan Museum of Art.";

    private static CrossEncoderModel reference;

    @BeforeClass
    public static void setUpIndices() throws Exception {
        TestModels.assumePresent(TINY_BERT, TINY_XLM_ROBERTA);
        reference = CrossEncoderModel.load(
                TINY_BERT, testModelsDir().resolve(TINY_BERT), new CrossEncoderModel.InferenceOptions(4, 1));

        Map<String, String> cities = new LinkedHashMap<>();
        cities.put("berlin", doc("Berlin", BERLIN));
        cities.put("new-york", doc("New York", NEW_YORK));
        cities.put("paris", doc("Paris", "Paris is the capital of France, where about two million people live."));
        cities.put("rome", doc("Rome", "Rome has many people and many churches; people live there since antiquity."));
        cities.put("tokyo", doc("Tokyo", "Tokyo is the most populous metropolitan area in the world."));
        cities.put("lima", doc("Lima", "How many people live in Lima is counted by the census every ten years."));
        cities.put("untitled", "{\"passage\":\"A passage without a title about people who live in cities.\"}");
        cities.put("empty", "{\"other\":\"neither title nor passage\"}");
        cities.put(
                "nested",
                "{\"title\":\"Madrid\",\"meta\":{\"summary\":\"Madrid summary\"},\"tags\":[\"capital\",\"spain\"]}");
        createIndex(
                "cities",
                2,
                "{\"title\":{\"type\":\"text\"},\"passage\":{\"type\":\"text\"},\"other\":{\"type\":\"text\"},"
                        + "\"meta\":{\"properties\":{\"summary\":{\"type\":\"text\"}}},\"tags\":{\"type\":\"keyword\"},\"year\":{\"type\":\"integer\"}}",
                cities);

        Map<String, String> ranked = new LinkedHashMap<>();
        for (int i = 1; i <= 8; i++) {
            // i mentions of "berlin" give every document a distinct BM25 score.
            ranked.put("d" + i, doc("doc " + i, ("berlin ".repeat(i) + "city facts number " + i).trim()));
        }
        createIndex("ranked", 1, "{\"title\":{\"type\":\"text\"},\"passage\":{\"type\":\"text\"}}", ranked);
    }

    @AfterClass
    public static void closeReference() {
        if (reference != null) {
            reference.close();
        }
    }

    static String doc(String title, String passage) {
        return "{\"title\":\"" + title + "\",\"passage\":\"" + passage + "\"}";
    }

    /** The model's own scores, for the tests that check them: the default blends them with the first stage's. */
    static final String REPLACE = ",\"score_mode\":\"replace\"";

    static String rescore(int windowSize, String model, String queryText, String fields, String extra) {
        return "\"rescore\":{\"window_size\":" + windowSize + ",\"cross_encoder\":{\"model\":\"" + model
                + "\",\"query_text\":\"" + queryText + "\",\"fields\":" + fields + extra + "}}";
    }

    /** {@code query} with {@code explain}, reranked by the tiny model over its top 8 with these rescore options. */
    private static RestClient.Response explainedRescoreOfEight(String query, String options) throws Exception {
        return client.ok(
                "POST",
                "/ranked/_search",
                "{\"explain\":true," + query + "," + rescore(8, TINY_BERT, BERLIN_QUERY, "[\"passage\"]", options)
                        + "}");
    }

    static float expected(String passage) throws Exception {
        return reference.score(BERLIN_QUERY, List.of(passage))[0];
    }

    @Test
    public void reproducesTheModelsGoldenLogitsThroughTheNode() throws Exception {
        RestClient.Response response = client.ok(
                "POST",
                "/cities/_search",
                "{\"query\":{\"ids\":{\"values\":[\"berlin\",\"new-york\"]}},"
                        + rescore(10, TINY_BERT, BERLIN_QUERY, "[\"passage\"]", REPLACE) + "}");
        Map<String, Float> scores = scoresById(response);
        // Golden values from ../shared/models/tiny-random-bert-cross-encoder/README.md (ONNX Runtime run directly).
        assertEquals(-1.5696858f, scores.get("berlin"), 1e-5f);
        assertEquals(1.5387218f, scores.get("new-york"), 1e-5f);
        assertEquals(List.of("new-york", "berlin"), ids(response));
    }

    @Test
    public void ranksEveryHitOfBothShardsByTheModelsScoreOfItsJoinedFields() throws Exception {
        RestClient.Response response = client.ok(
                "POST",
                "/cities/_search",
                "{\"size\":20,\"query\":{\"match_all\":{}},"
                        + rescore(20, TINY_BERT, BERLIN_QUERY, "[\"title\",\"passage\"]", REPLACE) + "}");
        assertEquals(2, (int) response.path("_shards.successful"));
        List<Map<String, Object>> hits = hits(response);
        assertEquals(9, hits.size());
        float previous = Float.POSITIVE_INFINITY;
        for (Map<String, Object> hit : hits) {
            @SuppressWarnings("unchecked")
            Map<String, Object> source = (Map<String, Object>) hit.get("_source");
            String text = String.join(" ", nonNull((String) source.get("title"), (String) source.get("passage")));
            assertEquals("score of " + hit.get("_id"), expected(text), score(hit), 1e-4f);
            assertThat("hits are ordered by the cross-encoder", score(hit), lessThan(previous + 1e-6f));
            previous = score(hit);
        }
    }

    @Test
    public void hitWithNoneOfTheFieldsIsScoredAgainstAnEmptyPassage() throws Exception {
        RestClient.Response response = client.ok(
                "POST",
                "/cities/_search",
                "{\"explain\":true,\"query\":{\"ids\":{\"values\":[\"empty\"]}},"
                        + rescore(10, TINY_BERT, BERLIN_QUERY, "[\"title\",\"passage\"]", REPLACE) + "}");
        Map<String, Object> hit = hits(response).get(0);
        assertEquals(expected(""), score(hit), 1e-5f);
        assertThat(response.raw(), containsString("none of the fields has text: scored against an empty passage"));
    }

    @Test
    public void readsObjectPathsAndArrays() throws Exception {
        RestClient.Response response = client.ok(
                "POST",
                "/cities/_search",
                "{\"query\":{\"ids\":{\"values\":[\"nested\"]}},"
                        + rescore(10, TINY_BERT, BERLIN_QUERY, "[\"meta.summary\",\"tags\"]", REPLACE) + "}");
        assertEquals(
                expected("Madrid summary capital spain"), score(hits(response).get(0)), 1e-5f);
    }

    @Test
    public void hitsBelowTheWindowKeepTheirFirstStageOrderAfterTheReranked() throws Exception {
        String query = "\"size\":8,\"query\":{\"match\":{\"passage\":\"berlin\"}}";
        List<String> firstStage = ids(client.ok("POST", "/ranked/_search", "{" + query + "}"));
        assertEquals(List.of("d8", "d7", "d6", "d5", "d4", "d3", "d2", "d1"), firstStage);

        RestClient.Response response = client.ok(
                "POST",
                "/ranked/_search",
                "{" + query + "," + rescore(3, TINY_BERT, BERLIN_QUERY, "[\"passage\"]", REPLACE) + "}");
        List<String> reranked = ids(response);
        assertEquals(
                "the window holds the first-stage top 3",
                List.of("d6", "d7", "d8"),
                reranked.subList(0, 3).stream().sorted().toList());
        List<Float> windowScores = new ArrayList<>();
        for (Map<String, Object> hit : hits(response).subList(0, 3)) {
            windowScores.add(score(hit));
            assertEquals(expected(passageOf(hit)), score(hit), 1e-5f);
        }
        assertEquals(firstStage.subList(3, 8), reranked.subList(3, 8));
        float lowestReranked = windowScores.stream().min(Float::compare).orElseThrow();
        assertThat(score(hits(response).get(3)), lessThan(lowestReranked));
    }

    @Test
    public void totalScoreModeAddsWeightedScoresAndExplainsThem() throws Exception {
        String query = "\"size\":8,\"query\":{\"match\":{\"passage\":\"berlin\"}}";
        Map<String, Float> bm25 = scoresById(client.ok("POST", "/ranked/_search", "{" + query + "}"));

        RestClient.Response response = explainedRescoreOfEight(
                query, ",\"score_mode\":\"total\",\"query_weight\":0.7,\"rescore_query_weight\":1.3");
        for (Map<String, Object> hit : hits(response)) {
            float crossEncoder = expected(passageOf(hit));
            float expectedScore = 0.7f * bm25.get((String) hit.get("_id")) + 1.3f * crossEncoder;
            assertEquals(expectedScore, score(hit), 1e-4f);
            @SuppressWarnings("unchecked")
            Map<String, Object> explanation = (Map<String, Object>) hit.get("_explanation");
            assertEquals(score(hit), ((Number) explanation.get("value")).floatValue(), 1e-4f);
            assertEquals("sum of", explanation.get("description"));
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> parts = (List<Map<String, Object>>) explanation.get("details");
            assertEquals(
                    0.7f * bm25.get((String) hit.get("_id")),
                    ((Number) parts.get(0).get("value")).floatValue(),
                    1e-4f);
            assertEquals(1.3f * crossEncoder, ((Number) parts.get(1).get("value")).floatValue(), 1e-4f);
            assertThat(parts.get(1).toString(), containsString("cross_encoder model [" + TINY_BERT + "]"));
        }
    }

    @Test
    public void interpolateBlendsMinMaxNormalizedScoresOverTheShardsWindowAndExplainsThem() throws Exception {
        String query = "\"size\":8,\"query\":{\"match\":{\"passage\":\"berlin\"}}";
        RestClient.Response firstStage = client.ok("POST", "/ranked/_search", "{" + query + "}");
        Map<String, Float> bm25 = scoresById(firstStage);
        Map<String, Float> model = new HashMap<>();
        for (Map<String, Object> hit : hits(firstStage)) {
            model.put((String) hit.get("_id"), expected(passageOf(hit)));
        }
        float bm25Min = Collections.min(bm25.values());
        float bm25Max = Collections.max(bm25.values());
        float modelMin = Collections.min(model.values());
        float modelMax = Collections.max(model.values());

        RestClient.Response response = explainedRescoreOfEight(query, ",\"score_mode\":\"interpolate\",\"weight\":0.3");
        assertEquals(8, hits(response).size());
        for (Map<String, Object> hit : hits(response)) {
            String id = (String) hit.get("_id");
            float expectedScore = 0.3f * (model.get(id) - modelMin) / (modelMax - modelMin)
                    + 0.7f * (bm25.get(id) - bm25Min) / (bm25Max - bm25Min);
            assertEquals(id, expectedScore, score(hit), 1e-4f);
            assertThat(
                    hit.get("_explanation").toString(),
                    containsString("weight [0.3] times normalized cross-encoder score"));
            assertThat(hit.get("_explanation").toString(), containsString("cross_encoder model [" + TINY_BERT + "]"));
        }
    }

    @Test
    public void explainSaysWhenAHitWasBelowTheWindow() throws Exception {
        RestClient.Response response = client.ok(
                "POST",
                "/ranked/_search",
                "{\"explain\":true,\"size\":4,\"query\":{\"match\":{\"passage\":\"berlin\"}},"
                        + rescore(2, TINY_BERT, BERLIN_QUERY, "[\"passage\"]", "") + "}");
        assertThat(
                hits(response).get(3).get("_explanation").toString(),
                containsString("below the cross_encoder window of [2]"));
        assertThat(
                hits(response).get(0).get("_explanation").toString(),
                containsString("cross_encoder model [" + TINY_BERT + "]"));
    }

    @Test
    public void runsAModelWithoutTokenTypeIds() throws Exception {
        RestClient.Response response = client.ok(
                "POST",
                "/cities/_search",
                "{\"query\":{\"match_all\":{}}," + rescore(10, TINY_XLM_ROBERTA, "people", "[\"title\"]", REPLACE)
                        + "}");
        assertEquals(9, hits(response).size());
        try (CrossEncoderModel xlmRoberta = CrossEncoderModel.load(
                TINY_XLM_ROBERTA,
                testModelsDir().resolve(TINY_XLM_ROBERTA),
                new CrossEncoderModel.InferenceOptions(1, 1))) {
            for (Map<String, Object> hit : hits(response)) {
                @SuppressWarnings("unchecked")
                Object title = ((Map<String, Object>) hit.get("_source")).get("title");
                float expected = xlmRoberta.score("people", List.of(title == null ? "" : (String) title))[0];
                assertEquals(expected, score(hit), 1e-6f);
            }
        }
    }

    @Test
    public void reproducesThePublishedMsMarcoLogits() throws Exception {
        Assume.assumeTrue(
                "the trained " + MS_MARCO + " is not on this machine (see ../shared/models/README.md)",
                hasTestModel(MS_MARCO));
        RestClient.Response response = client.ok(
                "POST",
                "/cities/_search",
                "{\"query\":{\"match_all\":{}}," + rescore(10, MS_MARCO, BERLIN_QUERY, "[\"passage\"]", REPLACE) + "}");
        Map<String, Float> scores = scoresById(response);
        // The model card's logits for this query and these two passages.
        assertEquals(8.607138f, scores.get("berlin"), 1e-3f);
        assertEquals(-4.320078f, scores.get("new-york"), 1e-3f);
        assertEquals("berlin", ids(response).get(0));
    }

    @SuppressWarnings("unchecked")
    private static String passageOf(Map<String, Object> hit) {
        return (String) ((Map<String, Object>) hit.get("_source")).get("passage");
    }

    private static List<String> nonNull(String... values) {
        List<String> present = new ArrayList<>();
        for (String value : values) {
            if (value != null) {
                present.add(value);
            }
        }
        return present;
    }
}
