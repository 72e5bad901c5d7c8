/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.integ;

import static org.crossencoder.opensearch.integ.CancellationAndTimeoutIT.awaitIdle;
import static org.crossencoder.opensearch.integ.CancellationAndTimeoutIT.awaitTask;
import static org.crossencoder.opensearch.integ.CancellationAndTimeoutIT.longPassage;
import static org.crossencoder.opensearch.integ.CrossEncoderIntegTestCase.GENERATED;
import static org.crossencoder.opensearch.integ.CrossEncoderIntegTestCase.testModelsDir;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.crossencoder.opensearch.engine.GeneratedTinyModel;
import org.crossencoder.opensearch.engine.TestModels;
import org.junit.AfterClass;
import org.junit.Assume;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * Every way into the plugin once, on one node of the OpenSearch version under test: the rescore clause, both search
 * processors, the global window on two shards, {@code _rerank}, models, stats and {@code _reload}, a timeout and a
 * cancellation. {@code scripts/test-versions.sh} runs it with {@link BadInputIT} and {@link ModelsPathPermissionIT} on
 * each version's real distribution; it needs only the models the build writes itself.
 */
public class VersionSmokeIT {

    private static final String INDEX = "smoke";
    private static final String LONG_INDEX = "smoke-long";
    private static final String SLOW = GeneratedTinyModel.SLOW_NAME;
    private static final String QUERY = "berlin population people city";
    private static final int DOCS = 40;
    private static final int LONG_DOCS = 80;
    /** Per shard, and more than a shard holds: every document is rescored, so every hit has the model's score. */
    private static final int WINDOW = DOCS;

    private static final int PAGE = 20;

    private static OpenSearchNode node;
    private static RestClient client;

    @BeforeClass
    public static void startNode() throws Exception {
        node = OpenSearchNode.start(
                "smoke-node",
                testModelsDir(),
                List.of(GENERATED, SLOW),
                Map.of("discovery.type", "single-node", "plugins.cross_encoder.cache.size", "0b"));
        client = node.client();
        String[] words = {"berlin", "population", "city", "museum", "train", "river", "park", "live", "art"};
        StringBuilder bulk = new StringBuilder();
        for (int i = 0; i < DOCS; i++) {
            bulk.append("{\"index\":{\"_id\":\"").append(i).append("\"}}\n{\"passage\":\"people ");
            for (int w = 0; w < 2 + i % 7; w++) {
                bulk.append(words[(i * 7 + w * 3) % words.length]).append(' ');
            }
            bulk.append("doc ").append(i).append("\"}\n");
        }
        index(INDEX, 2, bulk.toString());
        bulk.setLength(0);
        for (int i = 0; i < LONG_DOCS; i++) {
            bulk.append("{\"index\":{\"_id\":\"")
                    .append(i)
                    .append("\"}}\n{\"passage\":\"")
                    .append(longPassage(i))
                    .append("\"}\n");
        }
        index(LONG_INDEX, 1, bulk.toString());
        client.ok(
                "PUT",
                "/_search/pipeline/smoke-rescore",
                "{\"request_processors\":[{\"cross_encoder_rescore\":{\"model\":\"" + GENERATED
                        + "\",\"fields\":[\"passage\"],\"score_mode\":\"replace\",\"window_size\":" + WINDOW + "}}]}");
        client.ok(
                "PUT",
                "/_search/pipeline/smoke-rerank",
                "{\"response_processors\":[{\"cross_encoder_rerank\":{\"model\":\"" + GENERATED
                        + "\",\"fields\":[\"passage\"],\"score_mode\":\"replace\"}}]}");
        client.ok(
                "PUT",
                "/_search/pipeline/smoke-global",
                "{\"request_processors\":[{\"cross_encoder_window\":{\"window_size\":" + PAGE + "}}],"
                        + "\"response_processors\":[{\"cross_encoder_rerank\":{\"model\":\"" + GENERATED
                        + "\",\"fields\":[\"passage\"],\"score_mode\":\"replace\",\"score_on\":\"data_nodes\"}}]}");
    }

    @AfterClass
    public static void stopNode() {
        if (node != null) {
            node.close();
        }
    }

    private static void index(String name, int shards, String bulk) throws Exception {
        client.ok(
                "PUT",
                "/" + name,
                "{\"settings\":{\"number_of_shards\":" + shards + ",\"number_of_replicas\":0},"
                        + "\"mappings\":{\"properties\":{\"passage\":{\"type\":\"text\"}}}}");
        RestClient.Response response = client.ok("POST", "/" + name + "/_bulk?refresh=true", bulk);
        assertEquals(response.raw(), Boolean.FALSE, response.path("errors"));
    }

    private static String search(int size, String extra) {
        return "{\"size\":" + size + ",\"query\":{\"match\":{\"passage\":\"" + QUERY + "\"}}" + extra + "}";
    }

    private static String ext() {
        return ",\"ext\":{\"cross_encoder\":{\"query_text\":\"" + QUERY + "\"}}";
    }

    private static String rescore(String model, int window) {
        return ",\"rescore\":{\"window_size\":" + window + ",\"cross_encoder\":{\"model\":\"" + model
                + "\",\"query_text\":\"" + QUERY + "\",\"fields\":[\"passage\"],\"score_mode\":\"replace\"}}";
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> hits(RestClient.Response response) {
        return (List<Map<String, Object>>) response.path("hits.hits");
    }

    private static List<String> ids(RestClient.Response response) {
        return hits(response).stream().map(hit -> (String) hit.get("_id")).toList();
    }

    /** What {@code _rerank} says the model scores each hit's passage: the reference for every other way in. */
    @SuppressWarnings("unchecked")
    private static Map<String, Float> modelScores(RestClient.Response response) throws Exception {
        List<Map<String, Object>> hits = hits(response);
        List<String> texts = new ArrayList<>();
        for (Map<String, Object> hit : hits) {
            texts.add("\"" + ((Map<String, Object>) hit.get("_source")).get("passage") + "\"");
        }
        RestClient.Response reranked = client.ok(
                "POST",
                "/_plugins/cross_encoder/_rerank",
                "{\"model\":\"" + GENERATED + "\",\"query_text\":\"" + QUERY + "\",\"texts\":["
                        + String.join(",", texts) + "]}");
        Map<String, Float> scores = new HashMap<>();
        for (Map<String, Object> result : (List<Map<String, Object>>) reranked.path("results")) {
            int index = ((Number) result.get("index")).intValue();
            scores.put((String) hits.get(index).get("_id"), ((Number) result.get("score")).floatValue());
        }
        return scores;
    }

    /** Every hit scored by the model, best first (the searches ask for score_mode replace: the model's own score). */
    private static void assertRankedByTheModel(RestClient.Response response) throws Exception {
        Map<String, Float> model = modelScores(response);
        float previous = Float.POSITIVE_INFINITY;
        for (Map<String, Object> hit : hits(response)) {
            float score = ((Number) hit.get("_score")).floatValue();
            assertEquals(response.raw(), model.get((String) hit.get("_id")), score, 1e-4f);
            assertThat("best first", score, lessThan(previous + 1e-6f));
            previous = score;
        }
    }

    @Test
    public void theRescoreClauseAndTheRequestProcessorRerankEachShardsWindow() throws Exception {
        List<String> firstStage = ids(client.ok("POST", "/" + INDEX + "/_search", search(PAGE, "")));
        RestClient.Response clause =
                client.ok("POST", "/" + INDEX + "/_search", search(PAGE, rescore(GENERATED, WINDOW)));
        assertEquals(PAGE, ids(clause).size());
        assertRankedByTheModel(clause);
        assertNotEquals("the model reorders the first stage", firstStage, ids(clause));
        RestClient.Response processor =
                client.ok("POST", "/" + INDEX + "/_search?search_pipeline=smoke-rescore", search(PAGE, ext()));
        assertEquals(clause.hitIdsAndScores(), processor.hitIdsAndScores());
    }

    @Test
    public void theResponseProcessorReranksThePageAndTheGlobalWindowDoesOnTheDataNodes() throws Exception {
        List<String> firstStage = ids(client.ok("POST", "/" + INDEX + "/_search", search(PAGE, "")));
        RestClient.Response coordinator =
                client.ok("POST", "/" + INDEX + "/_search?search_pipeline=smoke-rerank", search(PAGE, ext()));
        assertEquals(
                "the same hits, reordered",
                firstStage.stream().sorted().toList(),
                ids(coordinator).stream().sorted().toList());
        assertRankedByTheModel(coordinator);

        RestClient.Response global =
                client.ok("POST", "/" + INDEX + "/_search?search_pipeline=smoke-global", search(PAGE, ext()));
        assertEquals(coordinator.hitIdsAndScores(), global.hitIdsAndScores());
        RestClient.Response secondPage = client.ok(
                "POST",
                "/" + INDEX + "/_search?search_pipeline=smoke-global",
                "{\"from\":" + PAGE / 2 + "," + search(PAGE / 2, ext()).substring(1));
        assertEquals(global.hitIdsAndScores().subList(PAGE / 2, PAGE), secondPage.hitIdsAndScores());
    }

    @Test
    @SuppressWarnings("unchecked")
    public void theRerankApiRanksTextsBestFirst() throws Exception {
        RestClient.Response response = client.ok(
                "POST",
                "/_plugins/cross_encoder/_rerank",
                "{\"model\":\"" + GENERATED + "\",\"query_text\":\"" + QUERY + "\",\"top_n\":3,\"texts\":["
                        + "\"people live in berlin\",\"museums of new york\",\"the population of the city\","
                        + "\"a river and a park\"]}");
        List<Map<String, Object>> results = (List<Map<String, Object>>) response.path("results");
        assertEquals(response.raw(), 3, results.size());
        assertEquals(Boolean.FALSE, response.path("timed_out"));
        assertThat(
                ((Number) results.get(0).get("score")).floatValue(),
                greaterThan(((Number) results.get(2).get("score")).floatValue()));
    }

    @Test
    public void theModelLibrariesLogThroughTheNodesLog4j() throws Exception {
        assertEquals("loaded", modelStatus(GENERATED));
        // DJL logs through SLF4J: without the bundled log4j-slf4j2-impl of this version's log4j, SLF4J warns on
        // stderr that it has no provider and drops every DJL message.
        // Only where our plugin is the node's only one (test-versions.sh): ML Commons' own SLF4J warns the same way.
        String plugins = client.ok("GET", "/_cat/plugins?h=component", null).raw();
        Assume.assumeTrue(
                "other plugins share the node: " + plugins.trim().replace('\n', ' '),
                plugins.trim().equals("cross-encoder"));
        // DJL's own log lines reach the node's log: SLF4J found the bundled provider.
        String log = Files.readString(node.logFile());
        assertThat(log, containsString("Found matching platform from"));
        assertThat(log, not(containsString("No SLF4J providers")));
    }

    @Test
    public void modelsStatsAndReload() throws Exception {
        awaitIdle(client);
        assertEquals("loaded", modelStatus(GENERATED));
        assertEquals("loaded", modelStatus(SLOW));
        long pairs = stat("pairs_scored");
        client.ok("POST", "/" + INDEX + "/_search", search(PAGE, rescore(GENERATED, WINDOW)));
        assertEquals("the rescore scored every document", pairs + DOCS, stat("pairs_scored"));

        String copy = "smoke-copy";
        Path copyDir = node.modelsPath().resolve(copy);
        Files.createDirectories(copyDir);
        for (String file : List.of("model.onnx", "tokenizer.json")) {
            Files.copy(TestModels.dir(GENERATED).resolve(file), copyDir.resolve(file));
        }
        assertEquals("loaded", reload().get(copy));
        assertEquals("loaded", modelStatus(copy));
        RestClient.Response original = client.ok("POST", "/" + INDEX + "/_search", search(5, rescore(GENERATED, 5)));
        RestClient.Response copied = client.ok("POST", "/" + INDEX + "/_search", search(5, rescore(copy, 5)));
        assertEquals("the same files, the same scores", original.hitIdsAndScores(), copied.hitIdsAndScores());

        try (Stream<Path> files = Files.list(copyDir)) {
            for (Path file : files.toList()) {
                Files.delete(file);
            }
        }
        Files.delete(copyDir);
        assertEquals("removed", reload().get(copy));
        RestClient.Response gone = client.request("POST", "/" + INDEX + "/_search", search(5, rescore(copy, 5)));
        assertEquals(gone.raw(), 404, gone.status());
    }

    @Test
    public void aSearchTimeoutStopsTheModelAndTheResponseSaysSo() throws Exception {
        awaitIdle(client);
        long timedOut = stat("timed_out");
        long pairs = stat("pairs_scored");
        RestClient.Response response = client.ok(
                "POST",
                "/" + LONG_INDEX + "/_search",
                "{\"size\":" + LONG_DOCS + ",\"timeout\":\"1s\",\"query\":{\"match\":{\"passage\":\"people berlin\"}}"
                        + ",\"rescore\":{\"window_size\":" + LONG_DOCS + ",\"cross_encoder\":{\"model\":\"" + SLOW
                        + "\",\"query_text\":\"berlin\",\"fields\":[\"passage\"]}}}");
        assertEquals(response.raw(), Boolean.TRUE, response.path("timed_out"));
        assertEquals(LONG_DOCS, ids(response).size());
        awaitIdle(client);
        assertEquals(timedOut + 1, stat("timed_out"));
        assertThat(
                "the model stopped before the window's end", stat("pairs_scored") - pairs, lessThan((long) LONG_DOCS));
    }

    @Test
    public void aRerankCancelledThroughTheTasksApiStops() throws Exception {
        awaitIdle(client);
        long cancelled = stat("cancelled");
        long pairs = stat("pairs_scored");
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < LONG_DOCS; i++) {
            texts.add("\"" + longPassage(1_000 + i) + "\"");
        }
        String body =
                "{\"model\":\"" + SLOW + "\",\"query_text\":\"berlin\",\"texts\":[" + String.join(",", texts) + "]}";
        CompletableFuture<RestClient.Response> rerank = CompletableFuture.supplyAsync(() -> {
            try {
                return client.request("POST", "/_plugins/cross_encoder/_rerank", body);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        client.ok("POST", "/_tasks/" + awaitTask(client, "cluster:admin/cross_encoder/rerank") + "/_cancel", null);
        RestClient.Response response = rerank.get(60, TimeUnit.SECONDS);
        assertThat(response.raw(), containsString("task_cancelled_exception"));
        awaitIdle(client);
        assertEquals(cancelled + 1, stat("cancelled"));
        assertThat("the model stopped before the last text", stat("pairs_scored") - pairs, lessThan((long) LONG_DOCS));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> nodeSection(String what) throws Exception {
        Map<String, Object> nodes =
                client.ok("GET", "/_plugins/cross_encoder/" + what, null).path("nodes");
        assertEquals(1, nodes.size());
        return (Map<String, Object>) nodes.values().iterator().next();
    }

    @SuppressWarnings("unchecked")
    private static String modelStatus(String name) throws Exception {
        for (Map<String, Object> model :
                (List<Map<String, Object>>) nodeSection("models").get("models")) {
            if (name.equals(model.get("name"))) {
                return (String) model.get("status");
            }
        }
        return "missing";
    }

    private static long stat(String name) throws Exception {
        return ((Number) CancellationAndTimeoutIT.inferenceStats(client).get(name)).longValue();
    }

    /** The reload's change for each model of the node. */
    @SuppressWarnings("unchecked")
    private static Map<String, String> reload() throws Exception {
        RestClient.Response response = client.ok("POST", "/_plugins/cross_encoder/models/_reload", null);
        Map<String, Map<String, Object>> nodes = response.path("nodes");
        Map<String, String> changes = new HashMap<>();
        for (Map<String, Object> model :
                (List<Map<String, Object>>) nodes.values().iterator().next().get("models")) {
            changes.put((String) model.get("name"), (String) model.get("change"));
        }
        return changes;
    }
}
