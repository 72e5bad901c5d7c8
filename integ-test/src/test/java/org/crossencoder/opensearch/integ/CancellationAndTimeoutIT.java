/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.integ;

import static org.crossencoder.opensearch.integ.CrossEncoderIntegTestCase.MINILM_SHAPE;
import static org.crossencoder.opensearch.integ.CrossEncoderIntegTestCase.testModelsDir;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.lessThan;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThat;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.crossencoder.opensearch.engine.TestModels;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * Cancellation and timeouts on a node whose model work is slow enough to interrupt: a MiniLM-sized model over
 * passages of about 400 words, score cache off. A full window of them takes tens of seconds on two cores; each
 * test checks that the work stopped early through the node's own counters (pairs scored, requests cancelled or
 * timed out), not through wall-clock bounds.
 */
public class CancellationAndTimeoutIT {

    private static final String INDEX = "long-passages";
    private static final int DOCS = 200;
    private static OpenSearchNode node;
    private static RestClient client;

    @BeforeClass
    public static void startNode() throws Exception {
        TestModels.assumePresent(MINILM_SHAPE);
        node = OpenSearchNode.start(
                "safety-node",
                testModelsDir(),
                List.of(MINILM_SHAPE),
                Map.of("discovery.type", "single-node", "plugins.cross_encoder.cache.size", "0b"));
        client = node.client();
        client.ok(
                "PUT",
                "/" + INDEX,
                "{\"settings\":{\"number_of_shards\":1,\"number_of_replicas\":0},\"mappings\":{\"properties\":{\"passage\":{\"type\":\"text\"}}}}");
        StringBuilder bulk = new StringBuilder();
        for (int i = 0; i < DOCS; i++) {
            bulk.append("{\"index\":{\"_id\":\"")
                    .append(i)
                    .append("\"}}\n{\"passage\":\"")
                    .append(longPassage(i))
                    .append("\"}\n");
        }
        client.ok("POST", "/" + INDEX + "/_bulk?refresh=true", bulk.toString());
    }

    @AfterClass
    public static void stopNode() {
        if (node != null) {
            node.close();
        }
    }

    /** About 400 words (over 512 tokens), all mentioning the query's words so that BM25 matches every document. */
    static String longPassage(int seed) {
        String[] words = {
            "berlin", "people", "city", "river", "museum", "population", "history", "park", "train", "winter", "market"
        };
        Random random = new Random(seed);
        StringBuilder text = new StringBuilder("people live in berlin");
        for (int i = 0; i < 400; i++) {
            text.append(' ').append(words[random.nextInt(words.length)]).append(random.nextInt(1000));
        }
        return text.toString();
    }

    private static String rerankBody(int texts, String extra) {
        List<String> quoted = new ArrayList<>();
        for (int i = 0; i < texts; i++) {
            quoted.add("\"" + longPassage(10_000 + i) + "\"");
        }
        return "{\"model\":\"" + MINILM_SHAPE + "\",\"query_text\":\"how many people live in berlin\"" + extra
                + ",\"texts\":[" + String.join(",", quoted) + "]}";
    }

    private static String rescoreBody(int window, String extra) {
        return "{\"size\":" + window + extra
                + ",\"query\":{\"match\":{\"passage\":\"people berlin\"}},\"rescore\":{\"window_size\":" + window
                + ",\"cross_encoder\":{\"model\":\"" + MINILM_SHAPE
                + "\",\"query_text\":\"how many people live in berlin\",\"fields\":[\"passage\"]}}}";
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> inferenceStats(RestClient client) throws Exception {
        Map<String, Map<String, Object>> nodes =
                client.ok("GET", "/_plugins/cross_encoder/stats", null).path("nodes");
        return (Map<String, Object>) nodes.values().iterator().next().get("inference");
    }

    private static long stat(String name) throws Exception {
        return ((Number) inferenceStats(client).get(name)).longValue();
    }

    /** Waits until no request is running or waiting in the inference scheduler of the client's node. */
    static void awaitIdle(RestClient client) throws Exception {
        for (int i = 0; i < 600; i++) {
            Map<String, Object> stats = inferenceStats(client);
            if (((Number) stats.get("running")).intValue() == 0 && ((Number) stats.get("waiting")).intValue() == 0) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("inference never went idle: " + inferenceStats(client));
    }

    @Test
    public void aSearchCancelledAfterAnIntervalStopsItsModelWorkAndAnswersAsOpenSearchDoes() throws Exception {
        awaitIdle(client);
        long cancelled = stat("cancelled");
        long pairs = stat("pairs_scored");
        RestClient.Response response =
                client.request("POST", "/" + INDEX + "/_search?cancel_after_time_interval=2s", rescoreBody(DOCS, ""));
        RestClient.Response core = slowCoreSearchCancelledAfter("1s");
        assertEquals(
                "OpenSearch's own cancelled search: " + core.raw(),
                "task_cancelled_exception",
                core.path("error.root_cause.0.type"));
        assertEquals(response.raw(), core.status(), response.status());
        Object coreType = core.path("error.type");
        Object ourType = response.path("error.type");
        assertEquals(coreType, ourType);
        assertEquals("task_cancelled_exception", response.path("error.root_cause.0.type"));
        awaitIdle(client);
        assertEquals(cancelled + 1, stat("cancelled"));
        assertThat(
                "the model stopped well before the window's end",
                stat("pairs_scored") - pairs,
                lessThan((long) DOCS / 2));
    }

    @Test
    public void aRerankCancelledThroughTheTasksApiStops() throws Exception {
        awaitIdle(client);
        long cancelled = stat("cancelled");
        CompletableFuture<RestClient.Response> rerank = rerankInBackground(rerankBody(DOCS, ""));
        String taskId = awaitTask(client, "cluster:admin/cross_encoder/rerank");
        client.ok("POST", "/_tasks/" + taskId + "/_cancel", null);
        RestClient.Response response = rerank.get(60, TimeUnit.SECONDS);
        assertThat(response.raw(), containsString("task_cancelled_exception"));
        awaitIdle(client);
        assertEquals(cancelled + 1, stat("cancelled"));
    }

    @Test
    public void aRerankWhoseClientGoesAwayStops() throws Exception {
        awaitIdle(client);
        long cancelled = stat("cancelled");
        HttpClient http =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest request = HttpRequest.newBuilder(
                        URI.create("http://" + httpAddress() + "/_plugins/cross_encoder/_rerank"))
                .timeout(Duration.ofSeconds(2))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(rerankBody(DOCS, "")))
                .build();
        assertThrows(HttpTimeoutException.class, () -> http.send(request, HttpResponse.BodyHandlers.ofString()));
        http.close();
        awaitIdle(client);
        assertEquals(cancelled + 1, stat("cancelled"));
    }

    @Test
    public void aSearchTimeoutKeepsTheScoredHitsOnTopAndTheRestInFirstStageOrder() throws Exception {
        awaitIdle(client);
        List<String> firstStage = ids(client.ok(
                "POST",
                "/" + INDEX + "/_search",
                "{\"size\":" + DOCS + ",\"query\":{\"match\":{\"passage\":\"people berlin\"}}}"));
        long timedOut = stat("timed_out");
        long pairs = stat("pairs_scored");
        RestClient.Response response =
                client.ok("POST", "/" + INDEX + "/_search", rescoreBody(DOCS, ",\"timeout\":\"2s\""));
        assertEquals(Boolean.TRUE, response.path("timed_out"));
        assertEquals(timedOut + 1, stat("timed_out"));
        long scored = stat("pairs_scored") - pairs;
        assertThat("some hits were scored before the timeout", scored, greaterThan(0L));
        assertThat("but not all of them", scored, lessThan((long) DOCS));
        List<String> ids = ids(response);
        assertEquals(DOCS, ids.size());
        List<String> unscored = ids.subList((int) scored, DOCS);
        List<String> expected = new ArrayList<>(firstStage);
        expected.retainAll(unscored);
        assertEquals("the hits the model did not reach follow in first-stage order", expected, unscored);
    }

    @Test
    public void aSmallSearchWithATimeoutDoesNotWaitOutALargeRequest() throws Exception {
        awaitIdle(client);
        long timedOut = stat("timed_out");
        CompletableFuture<RestClient.Response> large = rerankInBackground(rerankBody(DOCS, ",\"timeout\":\"20s\""));
        awaitTask(client, "cluster:admin/cross_encoder/rerank");
        RestClient.Response small = client.ok("POST", "/" + INDEX + "/_search", rescoreBody(4, ",\"timeout\":\"1s\""));
        assertFalse("the large request is still running when the small one answers", large.isDone());
        assertEquals(4, ids(small).size());
        // Either its four pairs were scored between the large request's batches, or its second ran out first.
        assertTrue(stat("timed_out") >= timedOut);
        RestClient.Response done = large.get(60, TimeUnit.SECONDS);
        assertEquals(done.raw(), 200, done.status());
    }

    @Test
    public void aRerankTimeoutListsTheUnscoredTextsLastWithoutAScore() throws Exception {
        awaitIdle(client);
        RestClient.Response response =
                client.ok("POST", "/_plugins/cross_encoder/_rerank", rerankBody(DOCS, ",\"timeout\":\"2s\""));
        assertEquals(Boolean.TRUE, response.path("timed_out"));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> results = (List<Map<String, Object>>) response.path("results");
        assertEquals(DOCS, results.size());
        assertTrue("the first result was scored", results.get(0).containsKey("score"));
        assertFalse("the last one was not", results.get(DOCS - 1).containsKey("score"));
        int firstUnscored = 0;
        while (results.get(firstUnscored).containsKey("score")) {
            firstUnscored++;
        }
        for (int i = firstUnscored; i < DOCS; i++) {
            assertFalse(results.get(i).containsKey("score"));
            if (i > firstUnscored) {
                assertThat((Integer) results.get(i).get("index"), greaterThan((Integer)
                        results.get(i - 1).get("index")));
            }
        }
    }

    /** The response processor on the coordinator (given the window as its page), or the global window on the data nodes. */
    private static String rerankPipeline(String name, boolean globalWindow) throws Exception {
        client.ok(
                "PUT",
                "/_search/pipeline/" + name,
                (globalWindow
                                ? "{\"request_processors\":[{\"cross_encoder_window\":{\"window_size\":" + DOCS + "}}],"
                                : "{")
                        + "\"response_processors\":[{\"cross_encoder_rerank\":{\"model\":\"" + MINILM_SHAPE
                        + "\",\"fields\":[\"passage\"]" + (globalWindow ? ",\"score_on\":\"data_nodes\"" : "")
                        + "}}]}");
        return name;
    }

    @Test
    public void aResponseProcessorStopsWithItsCancelledSearch() throws Exception {
        for (boolean globalWindow : List.of(false, true)) {
            awaitIdle(client);
            String pipeline = rerankPipeline(globalWindow ? "slow-global" : "slow-rerank", globalWindow);
            long cancelled = stat("cancelled");
            long pairs = stat("pairs_scored");
            RestClient.Response response = client.request(
                    "POST",
                    "/" + INDEX + "/_search?search_pipeline=" + pipeline + "&cancel_after_time_interval=2s",
                    "{\"size\":" + (globalWindow ? 10 : DOCS)
                            + ",\"query\":{\"match\":{\"passage\":\"people berlin\"}},\"ext\":{\"cross_encoder\":{\"query_text\":\"berlin\"}}}");
            assertThat(pipeline, response.raw(), containsString("task_cancelled_exception"));
            awaitIdle(client);
            // The global window's data-node share is a request of its own on this (single) node, cancelled with it.
            assertEquals(pipeline, cancelled + (globalWindow ? 2 : 1), stat("cancelled"));
            assertThat(pipeline, stat("pairs_scored") - pairs, lessThan((long) DOCS / 2));
        }
    }

    @Test
    public void aResponseProcessorHonoursTheSearchTimeout() throws Exception {
        awaitIdle(client);
        String global = rerankPipeline("timed-global", true);
        RestClient.Response page = client.ok(
                "POST",
                "/" + INDEX + "/_search?search_pipeline=" + global,
                "{\"size\":10,\"timeout\":\"2s\",\"query\":{\"match\":{\"passage\":\"people berlin\"}},"
                        + "\"ext\":{\"cross_encoder\":{\"query_text\":\"berlin\"}}}");
        assertEquals(page.raw(), Boolean.TRUE, page.path("timed_out"));
        assertEquals(10, ids(page).size());
        awaitIdle(client);
        RestClient.Response response = client.ok(
                "POST",
                "/" + INDEX + "/_search?search_pipeline=" + rerankPipeline("timed-rerank", false),
                "{\"size\":" + DOCS + ",\"timeout\":\"2s\",\"query\":{\"match\":{\"passage\":\"people berlin\"}},"
                        + "\"ext\":{\"cross_encoder\":{\"query_text\":\"berlin\"}}}");
        assertEquals(Boolean.TRUE, response.path("timed_out"));
        assertEquals(DOCS, ids(response).size());
        // The model ran until the 2 s timeout, and the time the user sees includes it.
        assertThat(response.raw(), ((Number) response.path("took")).intValue(), greaterThanOrEqualTo(1000));
    }

    /** A search that is slow without any plugin (a script loop per document), cancelled by OpenSearch itself. */
    private static RestClient.Response slowCoreSearchCancelledAfter(String interval) throws Exception {
        if (client.request("HEAD", "/slow-core", null).status() == 404) {
            client.ok("PUT", "/slow-core", "{\"settings\":{\"number_of_shards\":1,\"number_of_replicas\":0}}");
            StringBuilder bulk = new StringBuilder();
            for (int i = 0; i < 5000; i++) {
                bulk.append("{\"index\":{}}\n{\"n\":").append(i).append("}\n");
            }
            client.ok("POST", "/slow-core/_bulk?refresh=true", bulk.toString());
        }
        return client.request(
                "POST",
                "/slow-core/_search?cancel_after_time_interval=" + interval,
                "{\"query\":{\"script_score\":{\"query\":{\"match_all\":{}},\"script\":{\"source\":"
                        + "\"double s = 0; for (int i = 0; i < 900000; i++) { s += i; } return s;\"}}}}");
    }

    private static CompletableFuture<RestClient.Response> rerankInBackground(String body) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return client.request("POST", "/_plugins/cross_encoder/_rerank", body);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** The id of a running task of {@code action} on the client's cluster, once one appears. */
    static String awaitTask(RestClient client, String action) throws Exception {
        for (int i = 0; i < 200; i++) {
            @SuppressWarnings("unchecked")
            Map<String, Map<String, Object>> nodes =
                    client.ok("GET", "/_tasks?actions=" + action, null).path("nodes");
            for (Map<String, Object> nodeTasks : nodes.values()) {
                @SuppressWarnings("unchecked")
                Map<String, Object> tasks = (Map<String, Object>) nodeTasks.get("tasks");
                if (tasks != null && tasks.isEmpty() == false) {
                    return tasks.keySet().iterator().next();
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no [" + action + "] task appeared");
    }

    @SuppressWarnings("unchecked")
    private static List<String> ids(RestClient.Response response) {
        return ((List<Map<String, Object>>) response.path("hits.hits"))
                .stream().map(hit -> (String) hit.get("_id")).toList();
    }

    private static String httpAddress() {
        return node.httpAddress();
    }
}
