/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.integ;

import static org.crossencoder.opensearch.integ.CrossEncoderIntegTestCase.GENERATED;
import static org.crossencoder.opensearch.integ.CrossEncoderIntegTestCase.MINILM_SHAPE;
import static org.crossencoder.opensearch.integ.CrossEncoderIntegTestCase.testModelsDir;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.lessThan;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThat;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.crossencoder.opensearch.engine.TestModels;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.FixMethodOrder;
import org.junit.Test;
import org.junit.runners.MethodSorters;

/**
 * The reranking tier on a real three-node cluster: two data nodes ({@code tier-a}, the cluster manager, and
 * {@code tier-b}) hold a shard each, and {@code tier-t} has the {@code cross_encoder} role alone. Every path sends its
 * model work to the tier node and ranks as local scoring does; a tier node stopped mid-request is answered per
 * {@code plugins.cross_encoder.tier.mode}, never a hang.
 * <p>
 * The methods run in name order: the last one stops the tier node.
 */
@FixMethodOrder(MethodSorters.NAME_ASCENDING)
public class RerankingTierIT {

    private static final String CLUSTER = "cross-encoder-tier";
    private static final String QUERY = "berlin population people city";
    private static OpenSearchNode a;
    private static OpenSearchNode b;
    private static OpenSearchNode tier;
    private static RestClient client;
    /** The generated model, and a MiniLM-sized one when ../shared has it: slow enough to cancel. */
    private static final List<String> MODELS =
            TestModels.present(MINILM_SHAPE) ? List.of(GENERATED, MINILM_SHAPE) : List.of(GENERATED);

    @BeforeClass
    public static void startCluster() throws Exception {
        a = OpenSearchNode.start(
                "tier-a",
                testModelsDir(),
                MODELS,
                Map.of(
                        "cluster.name", CLUSTER,
                        "cluster.initial_cluster_manager_nodes", "tier-a",
                        "node.roles", "cluster_manager,data"),
                "768m",
                directory -> {});
        try {
            b = OpenSearchNode.start("tier-b", testModelsDir(), MODELS, joining("data"), "768m", directory -> {});
            tier = startTierNode();
            client = a.client();
            client.ok("GET", "/_cluster/health?wait_for_nodes=3&timeout=120s", null);
            index();
        } catch (Exception e) {
            stopCluster();
            throw e;
        }
    }

    private static Map<String, String> joining(String roles) {
        return Map.of("cluster.name", CLUSTER, "discovery.seed_hosts", a.transportAddress(), "node.roles", roles);
    }

    private static OpenSearchNode startTierNode() throws IOException, InterruptedException {
        return OpenSearchNode.start(
                "tier-t", testModelsDir(), MODELS, joining("cross_encoder"), "768m", directory -> {});
    }

    private static void index() throws IOException {
        client.ok("PUT", "/tier", """
            {"settings":{"number_of_shards":2,"number_of_replicas":0,"index.routing.allocation.total_shards_per_node":1},
             "mappings":{"properties":{"passage":{"type":"text"}}}}""");
        String[] words = {"berlin", "population", "people", "city", "museum", "train", "river", "park", "live", "art"};
        StringBuilder bulk = new StringBuilder();
        for (int i = 0; i < 30; i++) {
            bulk.append("{\"index\":{\"_id\":\"").append(i).append("\"}}\n{\"passage\":\"");
            for (int w = 0; w < 3 + i % 7; w++) {
                bulk.append(words[(i * 7 + w * 3) % words.length]).append(' ');
            }
            bulk.append("doc ").append(i).append("\"}\n");
        }
        client.ok("POST", "/tier/_bulk?refresh=true", bulk.toString());
        client.ok("GET", "/_cluster/health/tier?wait_for_status=green&timeout=120s", null);
        String rerank = "\"cross_encoder_rerank\":{\"model\":\"" + GENERATED + "\",\"fields\":[\"passage\"]";
        client.ok("PUT", "/_search/pipeline/coordinator", "{\"response_processors\":[{" + rerank + "}}]}");
        client.ok(
                "PUT",
                "/_search/pipeline/global",
                "{\"request_processors\":[{\"cross_encoder_window\":{\"window_size\":20}}],"
                        + "\"response_processors\":[{" + rerank + ",\"score_on\":\"data_nodes\"}}]}");
    }

    @AfterClass
    public static void stopCluster() {
        for (OpenSearchNode node : new OpenSearchNode[] {tier, b, a}) {
            if (node != null) {
                node.close();
            }
        }
    }

    /** Each path: the method, the path and the body of its request. */
    private static final List<String[]> PATHS = List.of(
            new String[] {"POST", "/tier/_search", rescore(QUERY)},
            new String[] {"POST", "/tier/_search?search_pipeline=coordinator", search(QUERY)},
            new String[] {"POST", "/tier/_search?search_pipeline=global", search(QUERY)},
            new String[] {"POST", "/_plugins/cross_encoder/_rerank", rerank(QUERY, 12, 3)});

    private static String rescore(String query) {
        return "{\"size\":20,\"query\":{\"match\":{\"passage\":\"" + query + "\"}},\"rescore\":{\"window_size\":20,"
                + "\"cross_encoder\":{\"model\":\"" + GENERATED + "\",\"query_text\":\"" + query
                + "\",\"fields\":[\"passage\"],\"score_mode\":\"replace\"}}}";
    }

    private static String search(String query) {
        return "{\"size\":20,\"query\":{\"match\":{\"passage\":\"" + query + "\"}},"
                + "\"ext\":{\"cross_encoder\":{\"query_text\":\"" + query + "\"}}}";
    }

    private static String rerank(String query, int texts, int repeat) {
        StringBuilder body =
                new StringBuilder("{\"model\":\"" + GENERATED + "\",\"query_text\":\"" + query + "\",\"texts\":[");
        for (int i = 0; i < texts; i++) {
            body.append(i == 0 ? "" : ",").append('"');
            for (int r = 0; r < repeat; r++) {
                body.append("text ").append(i).append(" about the people of berlin and its museums, ");
            }
            body.append('"');
        }
        return body.append("]}").toString();
    }

    private static void mode(String mode) throws IOException {
        client.ok(
                "PUT",
                "/_cluster/settings",
                "{\"persistent\":{\"plugins.cross_encoder.tier.mode\":" + (mode == null ? "null" : "\"" + mode + "\"")
                        + "}}");
    }

    /** Each node's stats by node name. */
    private static Map<String, Map<String, Object>> statsByName() throws IOException {
        Map<String, Map<String, Object>> nodes =
                client.ok("GET", "/_plugins/cross_encoder/stats", null).path("nodes");
        Map<String, Map<String, Object>> byName = new HashMap<>();
        nodes.values().forEach(node -> byName.put((String) node.get("name"), node));
        return byName;
    }

    @SuppressWarnings("unchecked")
    private static long number(Map<String, Object> node, String dottedPath) {
        Object current = node;
        for (String key : dottedPath.split("\\.")) {
            current = current == null ? null : ((Map<String, Object>) current).get(key);
        }
        return current == null ? 0 : ((Number) current).longValue();
    }

    private static List<Object> ranking(RestClient.Response response) {
        if (response.body().containsKey("hits")) {
            return response.hitIdsAndScores();
        }
        List<Map<String, Object>> results = response.path("results");
        return results.stream()
                .map(result -> (Object) List.of(result.get("index"), result.get("score")))
                .toList();
    }

    @Test
    public void aEveryPathScoresOnTheTierNodeAndRanksAsLocalScoring() throws Exception {
        try {
            mode("local");
            List<List<Object>> local = new ArrayList<>();
            for (String[] path : PATHS) {
                local.add(ranking(client.ok(path[0], path[1], path[2])));
            }
            mode(null); // auto, the default
            for (int p = 0; p < PATHS.size(); p++) {
                String[] path = PATHS.get(p);
                Map<String, Map<String, Object>> before = statsByName();
                RestClient.Response answer = client.ok(path[0], path[1], path[2]);
                Map<String, Map<String, Object>> after = statsByName();
                assertEquals(path[1], local.get(p), ranking(answer));
                for (String dataNode : List.of("tier-a", "tier-b")) {
                    assertEquals(
                            path[1] + " on " + dataNode,
                            number(before.get(dataNode), "inference.pairs_scored"),
                            number(after.get(dataNode), "inference.pairs_scored"));
                }
                long served = number(after.get("tier-t"), "tier.served.passages")
                        - number(before.get("tier-t"), "tier.served.passages");
                long sent = 0;
                for (String dataNode : List.of("tier-a", "tier-b")) {
                    sent += number(after.get(dataNode), "tier.sent.tier-t.passages")
                            - number(before.get(dataNode), "tier.sent.tier-t.passages");
                }
                assertEquals(path[1], served, sent);
                assertThat(path[1], served, greaterThanOrEqualTo(12L));
            }
            Map<String, Object> tierNode = statsByName().get("tier-t");
            assertEquals(Boolean.TRUE, ((Map<?, ?>) tierNode.get("tier")).get("member"));
            Map<String, Object> dataNode = statsByName().get("tier-a");
            assertThat(number(dataNode, "tier.sent.tier-t.request_bytes"), greaterThanOrEqualTo(1L));
            RestClient.Response models = client.ok("GET", "/_plugins/cross_encoder/models", null);
            assertEquals(models.raw(), List.of("tier-t"), models.path("models." + GENERATED + ".served_by_tier"));
        } finally {
            mode(null);
        }
    }

    @Test
    public void aTierModeWithTheTierUpScoresThereAndLocalModeScoresHere() throws Exception {
        try {
            mode("tier");
            long servedBefore = number(statsByName().get("tier-t"), "tier.served.passages");
            client.ok("POST", "/_plugins/cross_encoder/_rerank", rerank("tier mode", 5, 1));
            assertEquals(servedBefore + 5, number(statsByName().get("tier-t"), "tier.served.passages"));
            mode("local");
            long pairsBefore = number(statsByName().get("tier-a"), "inference.pairs_scored");
            client.ok("POST", "/_plugins/cross_encoder/_rerank", rerank("local mode", 5, 1));
            assertEquals(servedBefore + 5, number(statsByName().get("tier-t"), "tier.served.passages"));
            assertEquals(pairsBefore + 5, number(statsByName().get("tier-a"), "inference.pairs_scored"));
            RestClient.Response refused = client.request(
                    "PUT", "/_cluster/settings", "{\"persistent\":{\"plugins.cross_encoder.tier.mode\":\"tiers\"}}");
            assertEquals(refused.raw(), 400, refused.status());
            assertThat(
                    refused.raw(),
                    containsString("[plugins.cross_encoder.tier.mode] must be one of [auto, local, tier]"));
        } finally {
            mode(null);
        }
    }

    /**
     * Cancelling a request stops its model work on the tier node, although neither a rerank's task nor a shard's search
     * task cancels its children: the node that sent the work asks the tier node to. A MiniLM-sized model over passages
     * of about 400 words, score cache off; the work stopped early by the tier node's own counters.
     */
    @Test
    public void bCancellingARequestStopsItsWorkOnTheTierNode() throws Exception {
        TestModels.assumePresent(MINILM_SHAPE);
        try {
            mode("tier");
            client.ok("PUT", "/_cluster/settings", "{\"persistent\":{\"plugins.cross_encoder.cache.size\":\"0b\"}}");
            List<String> texts = new ArrayList<>();
            StringBuilder bulk = new StringBuilder();
            for (int i = 0; i < 80; i++) {
                String passage = CancellationAndTimeoutIT.longPassage(i);
                texts.add("\"" + passage + "\"");
                bulk.append("{\"index\":{\"_id\":\"")
                        .append(i)
                        .append("\"}}\n{\"passage\":\"")
                        .append(passage)
                        .append("\"}\n");
            }
            long cancelled = number(statsByName().get("tier-t"), "inference.cancelled");
            long pairs = number(statsByName().get("tier-t"), "inference.pairs_scored");
            CompletableFuture<RestClient.Response> rerank = CompletableFuture.supplyAsync(() -> {
                try {
                    return client.request(
                            "POST",
                            "/_plugins/cross_encoder/_rerank",
                            "{\"model\":\"" + MINILM_SHAPE
                                    + "\",\"query_text\":\"how many people live in berlin\",\"texts\":["
                                    + String.join(",", texts)
                                    + "]}");
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            String task = CancellationAndTimeoutIT.awaitTask(client, "cluster:admin/cross_encoder/rerank");
            client.ok("POST", "/_tasks/" + task + "/_cancel", null);
            RestClient.Response response = rerank.get(60, TimeUnit.SECONDS);
            assertThat(response.raw(), containsString("task_cancelled_exception"));
            awaitTierIdle();
            assertEquals(cancelled + 1, number(statsByName().get("tier-t"), "inference.cancelled"));
            assertThat(number(statsByName().get("tier-t"), "inference.pairs_scored") - pairs, lessThan(40L));

            client.ok("PUT", "/long", """
                {"settings":{"number_of_shards":2,"number_of_replicas":0,"index.routing.allocation.total_shards_per_node":1},
                 "mappings":{"properties":{"passage":{"type":"text"}}}}""");
            client.ok("POST", "/long/_bulk?refresh=true", bulk.toString());
            client.ok("GET", "/_cluster/health/long?wait_for_status=green&timeout=120s", null);
            pairs = number(statsByName().get("tier-t"), "inference.pairs_scored");
            RestClient.Response search = client.request(
                    "POST",
                    "/long/_search?cancel_after_time_interval=2s",
                    "{\"size\":80,\"query\":{\"match\":{\"passage\":\"people berlin\"}},\"rescore\":{\"window_size\":80,"
                            + "\"cross_encoder\":{\"model\":\"" + MINILM_SHAPE
                            + "\",\"query_text\":\"how many people live in berlin\",\"fields\":[\"passage\"]}}}");
            assertEquals(search.raw(), "task_cancelled_exception", search.path("error.root_cause.0.type"));
            awaitTierIdle();
            // Each shard's work, unless a shard's search was cancelled before it sent any.
            assertThat(number(statsByName().get("tier-t"), "inference.cancelled"), greaterThanOrEqualTo(cancelled + 2));
            assertThat(number(statsByName().get("tier-t"), "inference.pairs_scored") - pairs, lessThan(40L));
        } finally {
            client.ok("PUT", "/_cluster/settings", "{\"persistent\":{\"plugins.cross_encoder.cache.size\":null}}");
            mode(null);
        }
    }

    private static void awaitTierIdle() throws Exception {
        for (int i = 0; i < 600; i++) {
            Map<String, Object> tierNode = statsByName().get("tier-t");
            if (number(tierNode, "inference.running") == 0 && number(tierNode, "inference.waiting") == 0) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the tier node never went idle");
    }

    /**
     * The tier node hangs while it holds a request (SIGSTOP), then dies (SIGKILL): {@code auto} scores the request on
     * the node it entered, with the ranking local scoring gives; {@code tier} answers 503, also once the node is gone.
     * Neither waits for the cluster to notice the node left.
     */
    @Test
    public void cTierNodeStoppedMidRequestIsAnsweredPerTheSetting() throws Exception {
        String body = rerank("stopped mid request", 8, 2);
        mode("local");
        List<Object> local = ranking(client.ok("POST", "/_plugins/cross_encoder/_rerank", body));
        mode("auto");
        long fallbacksBefore = number(statsByName().get("tier-a"), "tier.local_fallbacks");
        RestClient.Response answer = rerankWhileKilling(tier, client, body);
        assertEquals(answer.raw(), 200, answer.status());
        assertEquals(local, ranking(answer));
        Map<String, Object> entered = statsByName().get("tier-a");
        assertEquals(fallbacksBefore + 1, number(entered, "tier.local_fallbacks"));
        assertThat(number(entered, "tier.sent.tier-t.failures"), greaterThanOrEqualTo(1L));

        mode("tier");
        for (String[] path : PATHS) {
            RestClient.Response refused = client.request(path[0], path[1], path[2]);
            assertEquals(path[1] + ": " + refused.raw(), 503, refused.status());
            assertThat(refused.raw(), containsString("reranking tier"));
        }

        tier = startTierNode();
        client.ok("GET", "/_cluster/health?wait_for_nodes=3&timeout=120s", null);
        client.ok("POST", "/_plugins/cross_encoder/_rerank", body); // the new tier node serves
        RestClient.Response refused = rerankWhileKilling(tier, client, body);
        assertEquals(refused.raw(), 503, refused.status());
        assertThat(refused.raw(), containsString("no node of the reranking tier"));
        assertTrue(
                refused.raw(), refused.raw().contains("tier-t") || refused.raw().contains("left"));
        mode(null);
        assertEquals(local, ranking(client.ok("POST", "/_plugins/cross_encoder/_rerank", body)));
    }

    /**
     * A {@code _rerank} call whose work {@code tierNode} holds when it dies: the node hangs (SIGSTOP) before the call,
     * which waits for it, then is killed (SIGKILL). The call's answer, which must come within 30 seconds.
     */
    static RestClient.Response rerankWhileKilling(OpenSearchNode tierNode, RestClient client, String body)
            throws Exception {
        tierNode.freeze();
        CompletableFuture<RestClient.Response> inFlight = CompletableFuture.supplyAsync(() -> {
            try {
                return client.request("POST", "/_plugins/cross_encoder/_rerank", body);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(1000);
        assertFalse("the call waits for the frozen tier node", inFlight.isDone());
        tierNode.kill();
        return inFlight.get(30, TimeUnit.SECONDS);
    }
}
