/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.integ;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThat;
import static org.junit.Assert.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.crossencoder.opensearch.engine.LongDocuments;
import org.crossencoder.opensearch.engine.TestModels;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * {@code passage_windows} on a real node, on every path: the constructed long document whose answer comes after token
 * 600 ranks first with windows and not without (trained model); each hit's best window, its offsets into the text,
 * {@code explain} with every window's score, and the 400s (generated model, in any clone).
 */
public class PassageWindowsIT extends CrossEncoderIntegTestCase {

    private static final String LONG_TEXT;

    static {
        StringBuilder text = new StringBuilder();
        String[] words = {"berlin", "people", "population", "city", "museum", "live", "about", "million", "visit"};
        for (int i = 0; i < 60; i++) {
            text.append(words[(i * 5) % words.length]).append(i % 7 == 6 ? ". " : " ");
        }
        LONG_TEXT = text.append("how many people live in berlin: about four million")
                .toString();
    }

    @BeforeClass
    public static void setUpIndices() throws Exception {
        Map<String, String> generated = new LinkedHashMap<>();
        generated.put("long", "{\"text\":\"" + LONG_TEXT + "\"}");
        generated.put("short", "{\"text\":\"berlin has many museums\"}");
        generated.put("middle", "{\"text\":\"" + LONG_TEXT.substring(0, 120) + "\"}");
        createIndex("windows-generated", 2, "{\"text\":{\"type\":\"text\"}}", generated);
        if (hasTestModel(SCI)) {
            Map<String, String> claims = new LinkedHashMap<>();
            claims.put(
                    "late-answer",
                    "{\"text\":\"" + LongDocuments.FILLER.repeat(LongDocuments.FILLER_REPEATS) + LongDocuments.ANSWER
                            + "\"}");
            for (int i = 0; i < LongDocuments.TOPICAL.size(); i++) {
                claims.put("topical-" + i, "{\"text\":\"" + LongDocuments.TOPICAL.get(i) + "\"}");
            }
            createIndex("windows-claims", 2, "{\"text\":{\"type\":\"text\"}}", claims);
        }
    }

    /** The model's own scores of the windows, which these tests check: the default blends them with BM25's. */
    private static String rescoreBody(String model, String query, String windows, String extra) {
        return "{\"size\":10,\"query\":{\"match\":{\"text\":\"" + query + "\"}}" + extra
                + ",\"rescore\":{\"window_size\":100,\"cross_encoder\":{\"model\":\"" + model + "\",\"query_text\":\""
                + query + "\",\"fields\":[\"text\"],\"score_mode\":\"replace\""
                + (windows == null ? "" : ",\"passage_windows\":" + windows)
                + "}}}";
    }

    /** A search of {@code index} reranked by the rescore clause, with these windows (null: none); must answer 200. */
    private static RestClient.Response rescored(String index, String model, String query, String windows, String extra)
            throws Exception {
        return client.ok("POST", "/" + index + "/_search", rescoreBody(model, query, windows, extra));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> bestWindow(Map<String, Object> hit) {
        Map<String, Object> fields = (Map<String, Object>) hit.get("fields");
        return fields == null ? null : ((List<Map<String, Object>>) fields.get("_cross_encoder_best_window")).get(0);
    }

    /**
     * The best window's offsets point at its text in what the model read and, for a hit (whose one field, {@code text},
     * is all the model read), at the same characters of that field.
     */
    @SuppressWarnings("unchecked")
    private static void assertOffsetsInto(String text, Map<String, Object> window) {
        int start = ((Number) window.get("start_offset")).intValue();
        int end = ((Number) window.get("end_offset")).intValue();
        assertEquals(text.substring(start, end), window.get("text"));
        Map<String, Object> fields = (Map<String, Object>) window.get("fields");
        if (fields != null) {
            assertEquals(Map.of("start_offset", start, "end_offset", end), fields.get("text"));
        }
    }

    @Test
    public void anAnswerPastToken600IsFoundWithWindowsOnEveryPathAndMissedWithout() throws Exception {
        TestModels.assumePresent(SCI);
        String claim = LongDocuments.CLAIM;
        String lateText = LongDocuments.FILLER.repeat(LongDocuments.FILLER_REPEATS) + LongDocuments.ANSWER;
        String windows = "{\"return_best\":true}";

        RestClient.Response whole = rescored("windows-claims", SCI, claim, null, "");
        assertNotEquals(
                "read whole, the answer is cut away", "late-answer", ids(whole).get(0));

        RestClient.Response windowed = rescored("windows-claims", SCI, claim, windows, "");
        assertEquals("rescore clause", "late-answer", ids(windowed).get(0));
        Map<String, Object> best = bestWindow(hits(windowed).get(0));
        assertThat((String) best.get("text"), containsString("2,686 adults"));
        assertThat(best.keySet(), hasItem("fields"));
        assertOffsetsInto(lateText, best);
        assertThat(((Number) best.get("start_offset")).intValue(), greaterThan(LongDocuments.FILLER.length() * 15));

        client.ok(
                "PUT",
                "/_search/pipeline/windows-response",
                "{\"response_processors\":[{\"cross_encoder_rerank\":{\"model\":\"" + SCI
                        + "\",\"fields\":[\"text\"],\"score_mode\":\"replace\",\"passage_windows\":" + windows
                        + "}}]}");
        client.ok(
                "PUT",
                "/_search/pipeline/windows-data-nodes",
                "{\"response_processors\":[{\"cross_encoder_rerank\":{\"model\":\"" + SCI
                        + "\",\"fields\":[\"text\"],\"score_mode\":\"replace\",\"score_on\":\"data_nodes\","
                        + "\"passage_windows\":" + windows
                        + "}}]}");
        client.ok(
                "PUT",
                "/_search/pipeline/windows-request",
                "{\"request_processors\":[{\"cross_encoder_rescore\":{\"model\":\"" + SCI
                        + "\",\"fields\":[\"text\"],\"score_mode\":\"replace\",\"passage_windows\":" + windows
                        + "}}]}");
        String pipelined = "{\"size\":10,\"query\":{\"match\":{\"text\":\"" + claim + "\"}},"
                + "\"ext\":{\"cross_encoder\":{\"query_text\":\"" + claim + "\"}}}";
        for (String pipeline : List.of("windows-response", "windows-data-nodes", "windows-request")) {
            RestClient.Response response =
                    client.ok("POST", "/windows-claims/_search?search_pipeline=" + pipeline, pipelined);
            assertEquals(pipeline, "late-answer", ids(response).get(0));
            assertOffsetsInto(lateText, bestWindow(hits(response).get(0)));
            assertThat(pipeline, bestWindow(hits(response).get(0)).keySet(), hasItem("fields"));
            assertEquals(
                    pipeline + ": the same scores as the rescore clause",
                    scoresById(windowed).get("late-answer"),
                    score(hits(response).get(0)),
                    1e-4f);
        }

        RestClient.Response reranked = client.ok(
                "POST",
                "/_plugins/cross_encoder/_rerank",
                "{\"model\":\"" + SCI + "\",\"query_text\":\"" + claim + "\",\"texts\":[\""
                        + LongDocuments.TOPICAL.get(0) + "\",\"" + lateText + "\"],\"passage_windows\":" + windows
                        + "}");
        assertEquals(1, ((Number) reranked.path("results.0.index")).intValue());
        assertOffsetsInto(lateText, reranked.path("results.0.best_window"));
        RestClient.Response rerankedWhole = client.ok(
                "POST",
                "/_plugins/cross_encoder/_rerank",
                "{\"model\":\"" + SCI + "\",\"query_text\":\"" + claim + "\",\"texts\":[\""
                        + LongDocuments.TOPICAL.get(0) + "\",\"" + lateText + "\"]}");
        assertEquals(0, ((Number) rerankedWhole.path("results.0.index")).intValue());
        assertNull(rerankedWhole.path("results.0.best_window"));
    }

    /**
     * Windows begin and end where the text has white space: a WordPiece tokenizer splits "and/or" and "1.89" into words,
     * and a window cut there once ended with "OR, 1" where the text says "OR, 1.89".
     */
    @Test
    public void theBestWindowNeverCutsInsideNumbersOrSlashedWords() throws Exception {
        String sentence =
                "patients on statins and/or aspirin had an odds ratio OR, 1.89 (95% CI 1.21-2.94) for the outcome. ";
        List<String> texts = new java.util.ArrayList<>();
        for (int shift = 0; shift < 6; shift++) {
            String[] words = sentence.split(" ");
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < 4 * words.length; i++) {
                text.append(words[(i + shift * 3) % words.length]).append(' ');
            }
            texts.add(text.toString().trim());
        }
        RestClient.Response reranked = client.ok(
                "POST",
                "/_plugins/cross_encoder/_rerank",
                "{\"model\":\"" + GENERATED + "\",\"query_text\":\"odds ratio of aspirin\",\"texts\":"
                        + texts.stream().map(t -> "\"" + t + "\"").toList()
                        + ",\"passage_windows\":{\"length\":10,\"stride\":3,\"max_windows\":20,\"return_best\":true}}");
        List<Map<String, Object>> results = reranked.path("results");
        assertEquals(texts.size(), results.size());
        for (Map<String, Object> result : results) {
            String text = texts.get(((Number) result.get("index")).intValue());
            @SuppressWarnings("unchecked")
            Map<String, Object> best = (Map<String, Object>) result.get("best_window");
            int start = ((Number) best.get("start_offset")).intValue();
            int end = ((Number) best.get("end_offset")).intValue();
            assertThat(((Number) best.get("of")).intValue(), greaterThan(1));
            assertEquals(text.substring(start, end), best.get("text"));
            assertTrue(best.toString(), start == 0 || Character.isWhitespace(text.charAt(start - 1)));
            assertTrue(best.toString(), end == text.length() || Character.isWhitespace(text.charAt(end)));
        }
    }

    @Test
    public void showsTheBestWindowAndExplainsEveryWindowAcrossShards() throws Exception {
        String windows = "{\"length\":12,\"stride\":4,\"max_windows\":20,\"combine\":\"max\",\"return_best\":true}";
        RestClient.Response response = rescored(
                "windows-generated", GENERATED, "how many people live in berlin", windows, ",\"explain\":true");
        Map<String, Object> long_ = hits(response).stream()
                .filter(hit -> hit.get("_id").equals("long"))
                .findFirst()
                .orElseThrow();
        Map<String, Object> best = bestWindow(long_);
        assertOffsetsInto(LONG_TEXT, best);
        assertThat(best.keySet(), hasItem("fields"));
        assertThat(((Number) best.get("of")).intValue(), greaterThan(5));
        assertEquals(score(long_), ((Number) best.get("score")).floatValue(), 1e-5f);
        String explanation = long_.get("_explanation").toString();
        assertThat(explanation, containsString("the [max] of its [" + best.get("of") + "] windows' scores"));
        assertThat(explanation, containsString("window [0], characters [0, "));
        assertThat(explanation, containsString("window [" + best.get("window") + "]"));

        RestClient.Response without =
                rescored("windows-generated", GENERATED, "how many people live in berlin", null, "");
        assertThat(without.raw(), not(containsString("_cross_encoder_best_window")));
        RestClient.Response first = rescored(
                "windows-generated",
                GENERATED,
                "how many people live in berlin",
                "{\"length\":12,\"stride\":4,\"combine\":\"first\"}",
                "");
        assertThat(first.raw(), not(containsString("_cross_encoder_best_window")));
        assertNotEquals(scoresById(response).get("long"), scoresById(first).get("long"));
    }

    /** A rescore of the generated index with these windows, which must be refused with a 400. */
    private static String refusedRescore(String windows) throws Exception {
        RestClient.Response refused =
                client.request("POST", "/windows-generated/_search", rescoreBody(GENERATED, "berlin", windows, ""));
        assertEquals(refused.raw(), 400, refused.status());
        return refused.raw();
    }

    @Test
    public void refusesWindowsThatCannotWork() throws Exception {
        String tooMany = refusedRescore("{\"length\":12,\"max_windows\":60}");
        assertThat(tooMany, containsString("can make [6000] pairs"));
        assertThat(tooMany, containsString("[plugins.cross_encoder.max_pairs_per_request] allows at most [5000]"));
        assertThat(tooMany, containsString("[plugins.cross_encoder.rescore.max_window_size]"));
        assertThat(
                refusedRescore("{\"length\":100000}"), containsString("[passage_windows] [length] is [100000] tokens"));
        assertThat(refusedRescore("{\"length\":8,\"stride\":8}"), containsString("must be less than [length]"));

        assertRefused(
                400,
                "passage_windows",
                "PUT",
                "/_search/pipeline/windows-bad",
                "{\"response_processors\":[{\"cross_encoder_rerank\":{\"fields\":[\"text\"],"
                        + "\"passage_windows\":{\"combine\":\"sum\"}}}]}");

        assertRefused(
                400,
                "passage_windows doesn't support values of type: VALUE_NUMBER",
                "POST",
                "/_plugins/cross_encoder/_rerank",
                "{\"model\":\"" + GENERATED + "\",\"query_text\":\"berlin\",\"texts\":[\"a\"],\"passage_windows\":7}");
    }
}
