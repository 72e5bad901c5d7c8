/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.integ;

import static org.crossencoder.opensearch.integ.CrossEncoderIntegTestCase.GENERATED;
import static org.crossencoder.opensearch.integ.CrossEncoderIntegTestCase.testModelsDir;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThat;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.FixMethodOrder;
import org.junit.Test;
import org.junit.runners.MethodSorters;

/**
 * A tier of two nodes ({@code spread-t1}, {@code spread-t2}, role {@code cross_encoder} alone) beside one data node
 * ({@code spread-a}): a request's passages split over both, and a tier node stopped mid-request has its part scored by
 * the other one, even with {@code tier.mode: tier}. The methods run in name order: the last one stops a tier node.
 */
@FixMethodOrder(MethodSorters.NAME_ASCENDING)
public class RerankingTierSpreadIT {

    private static final String CLUSTER = "cross-encoder-spread";
    private static OpenSearchNode a;
    private static OpenSearchNode t1;
    private static OpenSearchNode t2;
    private static RestClient client;

    @BeforeClass
    public static void startCluster() throws Exception {
        a = OpenSearchNode.start(
                "spread-a",
                testModelsDir(),
                List.of(GENERATED),
                Map.of(
                        "cluster.name", CLUSTER,
                        "cluster.initial_cluster_manager_nodes", "spread-a",
                        "node.roles", "cluster_manager,data",
                        "plugins.cross_encoder.cache.size", "0b"),
                "768m",
                directory -> {});
        try {
            t1 = startTierNode("spread-t1");
            t2 = startTierNode("spread-t2");
            client = a.client();
            client.ok("GET", "/_cluster/health?wait_for_nodes=3&timeout=120s", null);
        } catch (Exception e) {
            stopCluster();
            throw e;
        }
    }

    private static OpenSearchNode startTierNode(String name) throws IOException, InterruptedException {
        return OpenSearchNode.start(
                name,
                testModelsDir(),
                List.of(GENERATED),
                Map.of(
                        "cluster.name",
                        CLUSTER,
                        "discovery.seed_hosts",
                        a.transportAddress(),
                        "node.roles",
                        "cross_encoder",
                        "plugins.cross_encoder.cache.size",
                        "0b"),
                "768m",
                directory -> {});
    }

    @AfterClass
    public static void stopCluster() {
        for (OpenSearchNode node : new OpenSearchNode[] {t2, t1, a}) {
            if (node != null) {
                node.close();
            }
        }
    }

    private static String rerank(int texts) {
        StringBuilder body = new StringBuilder(
                "{\"model\":\"" + GENERATED + "\",\"query_text\":\"how many people live in berlin\",\"texts\":[");
        for (int i = 0; i < texts; i++) {
            body.append(i == 0 ? "" : ",")
                    .append("\"text ")
                    .append(i)
                    .append(" on the people of berlin, its river and its ")
                    .append(i % 7)
                    .append(" museums\"");
        }
        return body.append("]}").toString();
    }

    private static List<Object> ranking(RestClient.Response response) {
        List<Map<String, Object>> results = response.path("results");
        return results.stream()
                .map(result -> (Object) List.of(result.get("index"), result.get("score")))
                .toList();
    }

    private static void mode(String mode) throws IOException {
        client.ok(
                "PUT",
                "/_cluster/settings",
                "{\"persistent\":{\"plugins.cross_encoder.tier.mode\":" + (mode == null ? "null" : "\"" + mode + "\"")
                        + "}}");
    }

    /** Passages each node served for the tier, by node name. */
    private static Map<String, Long> served() throws IOException {
        Map<String, Map<String, Object>> nodes =
                client.ok("GET", "/_plugins/cross_encoder/stats", null).path("nodes");
        Map<String, Long> served = new HashMap<>();
        for (Map<String, Object> node : nodes.values()) {
            Map<?, ?> tier = (Map<?, ?>) node.get("tier");
            served.put(
                    (String) node.get("name"), ((Number) ((Map<?, ?>) tier.get("served")).get("passages")).longValue());
        }
        return served;
    }

    @Test
    public void aRequestsPassagesSplitOverTheTierAndRankAsOne() throws Exception {
        String body = rerank(100);
        mode("local");
        List<Object> local = ranking(client.ok("POST", "/_plugins/cross_encoder/_rerank", body));
        mode(null);
        Map<String, Long> before = served();
        assertEquals(local, ranking(client.ok("POST", "/_plugins/cross_encoder/_rerank", body)));
        Map<String, Long> after = served();
        assertEquals(50L, after.get("spread-t1") - before.get("spread-t1"));
        assertEquals(50L, after.get("spread-t2") - before.get("spread-t2"));
        assertEquals(before.get("spread-a"), after.get("spread-a"));

        // Too few passages to split: one tier node scores them.
        before = served();
        client.ok("POST", "/_plugins/cross_encoder/_rerank", rerank(20));
        after = served();
        assertEquals(
                20L,
                after.get("spread-t1") - before.get("spread-t1") + after.get("spread-t2") - before.get("spread-t2"));
    }

    /** t1 hangs holding its part, then dies: its part goes to t2, and the answer is whole, even in {@code tier} mode. */
    @Test
    public void bATierNodeStoppedMidRequestHasItsPartScoredByAnother() throws Exception {
        String body = rerank(100);
        mode("local");
        List<Object> local = ranking(client.ok("POST", "/_plugins/cross_encoder/_rerank", body));
        mode("tier");
        try {
            Map<String, Long> before = served();
            RestClient.Response answer = RerankingTierIT.rerankWhileKilling(t1, client, body);
            assertEquals(answer.raw(), 200, answer.status());
            assertEquals(local, ranking(answer));
            Map<String, Long> after = served();
            assertEquals("t2 scored its own part and t1's", 100L, after.get("spread-t2") - before.get("spread-t2"));
            Map<String, Map<String, Object>> nodes = client.ok("GET", "/_plugins/cross_encoder/spread-a/stats", null)
                    .path("nodes");
            Map<?, ?> sent =
                    (Map<?, ?>) ((Map<?, ?>) nodes.values().iterator().next().get("tier")).get("sent");
            assertThat(
                    ((Number) ((Map<?, ?>) sent.get("spread-t1")).get("failures")).longValue(),
                    greaterThanOrEqualTo(1L));
            assertEquals(
                    0L,
                    ((Number) ((Map<?, ?>) nodes.values().iterator().next().get("tier")).get("local_fallbacks"))
                            .longValue());
        } finally {
            mode(null);
        }
    }
}
