/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.integ;

import static org.crossencoder.opensearch.integ.CrossEncoderIntegTestCase.GENERATED;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * The global window on a real two-node cluster whose index has a shard on each node: {@code cross_encoder_window}
 * with {@code cross_encoder_rerank} scoring on the data nodes reranks the global top {@code window_size} exactly as the
 * response processor does on the coordinator, pages through that one order, keeps first-stage order past it, reads
 * text on the shards whatever the response shows of {@code _source}, and spreads its model work over both nodes.
 */
public class GlobalWindowIT {

    private static final int WINDOW = 20;
    private static final String QUERY = "berlin population people city";
    private static TwoNodeCluster cluster;
    private static RestClient client;

    @BeforeClass
    public static void startCluster() throws Exception {
        cluster = TwoNodeCluster.start(
                "global", List.of(GENERATED), directory -> {}, List.of(GENERATED), directory -> {});
        client = cluster.client();
        String[] words = {"berlin", "population", "people", "city", "museum", "train", "river", "park", "live", "art"};
        StringBuilder bulk = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            bulk.append("{\"index\":{\"_id\":\"").append(i).append("\"}}\n{\"passage\":\"");
            for (int w = 0; w < 3 + i % 7; w++) {
                bulk.append(words[(i * 7 + w * 3) % words.length]).append(' ');
            }
            bulk.append("doc ").append(i).append("\"}\n");
        }
        cluster.createSpreadIndex("global", bulk.toString());
        client.ok(
                "PUT",
                "/_search/pipeline/global",
                "{\"request_processors\":[{\"cross_encoder_window\":{\"window_size\":"
                        + WINDOW + "}}],\"response_processors\":[{\"cross_encoder_rerank\":{\"model\":\"" + GENERATED
                        + "\",\"fields\":[\"passage\"],\"score_on\":\"data_nodes\"}}]}");
        client.ok(
                "PUT",
                "/_search/pipeline/coordinator",
                "{\"response_processors\":[{\"cross_encoder_rerank\":{\"model\":\"" + GENERATED
                        + "\",\"fields\":[\"passage\"]}}]}");
    }

    @AfterClass
    public static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static String search(String query, int from, int size, String extra) {
        return "{\"from\":" + from + ",\"size\":" + size + ",\"query\":{\"match\":{\"passage\":\"" + query + "\"}},"
                + "\"ext\":{\"cross_encoder\":{\"query_text\":\"" + query + "\"}}" + extra + "}";
    }

    private static List<Object> hits(RestClient.Response response) {
        return response.hitIdsAndScores();
    }

    private static List<Object> ids(RestClient.Response response) {
        return hits(response).stream()
                .map(hit -> (Object) ((List<?>) hit).get(0))
                .toList();
    }

    /**
     * Documents made of chunks: the data nodes (one of them the other node, so the option crosses the wire) score each
     * document's chunks as the coordinator does, with the same best chunk.
     */
    @Test
    public void scoresChunkedDocumentsOnTheDataNodesAsTheCoordinatorDoes() throws Exception {
        String[] words = {"berlin", "population", "people", "city", "museum", "train", "river", "park", "live", "art"};
        StringBuilder bulk = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            List<String> chunks = new ArrayList<>();
            for (int c = 0; c < 2 + i % 3; c++) {
                chunks.add("\"" + words[(i + c * 3) % words.length] + " " + words[(i * 7 + c) % words.length]
                        + " chunk " + c + " of doc " + i + "\"");
            }
            bulk.append("{\"index\":{\"_id\":\"")
                    .append(i)
                    .append("\"}}\n{\"passage\":")
                    .append(chunks)
                    .append("}\n");
        }
        cluster.createSpreadIndex("global-chunks", bulk.toString());
        String rerank = "\"cross_encoder_rerank\":{\"model\":\"" + GENERATED + "\",\"score_mode\":\"replace\","
                + "\"chunks\":{\"field\":\"passage\",\"combine\":\"mean\",\"max_chunks\":3}";
        client.ok(
                "PUT",
                "/_search/pipeline/global-chunks",
                "{\"request_processors\":[{\"cross_encoder_window\":{\"window_size\":" + WINDOW
                        + "}}],\"response_processors\":[{" + rerank + ",\"score_on\":\"data_nodes\"}}]}");
        client.ok("PUT", "/_search/pipeline/coordinator-chunks", "{\"response_processors\":[{" + rerank + "}}]}");
        RestClient.Response onDataNodes =
                client.ok("POST", "/global-chunks/_search?search_pipeline=global-chunks", search(QUERY, 0, 12, ""));
        RestClient.Response onCoordinator = client.ok(
                "POST", "/global-chunks/_search?search_pipeline=coordinator-chunks", search(QUERY, 0, 12, ""));
        List<Map<String, Object>> dataNodeHits = onDataNodes.path("hits.hits");
        List<Map<String, Object>> coordinatorHits = onCoordinator.path("hits.hits");
        assertEquals(12, dataNodeHits.size());
        assertEquals(ids(onCoordinator), ids(onDataNodes));
        for (int i = 0; i < dataNodeHits.size(); i++) {
            // Batches of other sizes pad pairs differently: the same scores to float rounding.
            assertEquals(
                    ((Number) coordinatorHits.get(i).get("_score")).floatValue(),
                    ((Number) dataNodeHits.get(i).get("_score")).floatValue(),
                    1e-5f);
            Map<String, Object> best = bestChunk(dataNodeHits.get(i));
            Map<String, Object> expected = bestChunk(coordinatorHits.get(i));
            assertEquals(expected.get("chunk"), best.get("chunk"));
            assertEquals(expected.get("of"), best.get("of"));
            assertEquals(expected.get("text"), best.get("text"));
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> bestChunk(Map<String, Object> hit) {
        Map<String, Object> fields = (Map<String, Object>) hit.get("fields");
        return ((List<Map<String, Object>>) fields.get("_cross_encoder_best_chunk")).get(0);
    }

    @Test
    public void reranksTheGlobalWindowAsTheCoordinatorDoesAndPagesThroughIt() throws Exception {
        List<Object> window =
                hits(client.ok("POST", "/global/_search?search_pipeline=global", search(QUERY, 0, WINDOW, "")));
        assertEquals(WINDOW, window.size());
        assertEquals(
                "the same global window, the same model: the same order and scores",
                hits(client.ok("POST", "/global/_search?search_pipeline=coordinator", search(QUERY, 0, WINDOW, ""))),
                window);

        List<Object> paged = new ArrayList<>();
        for (int from = 0; from < WINDOW; from += 5) {
            paged.addAll(hits(client.ok("POST", "/global/_search?search_pipeline=global", search(QUERY, from, 5, ""))));
        }
        assertEquals("pages of one order", window, paged);

        List<Object> firstStage = ids(client.ok("POST", "/global/_search", search(QUERY, 0, 30, "")));
        assertEquals(
                "past the window: first-stage order",
                firstStage.subList(WINDOW, WINDOW + 5),
                ids(client.ok("POST", "/global/_search?search_pipeline=global", search(QUERY, WINDOW, 5, ""))));
        List<Object> straddling =
                ids(client.ok("POST", "/global/_search?search_pipeline=global", search(QUERY, WINDOW - 2, 5, "")));
        List<Object> expected = new ArrayList<>(window.subList(WINDOW - 2, WINDOW).stream()
                .map(hit -> ((List<?>) hit).get(0))
                .toList());
        expected.addAll(firstStage.subList(WINDOW, WINDOW + 3));
        assertEquals("the window's end, then first-stage order", expected, straddling);
    }

    @Test
    public void readsTheTextOnTheShardsWhateverTheResponseShowsAndExplains() throws Exception {
        RestClient.Response withoutSource = client.ok(
                "POST",
                "/global/_search?search_pipeline=global",
                search(QUERY, 0, 5, ",\"_source\":false,\"explain\":true"));
        List<Map<String, Object>> hits = withoutSource.path("hits.hits");
        assertNull(hits.get(0).get("_source"));
        assertEquals(
                hits(client.ok("POST", "/global/_search?search_pipeline=global", search(QUERY, 0, 5, ""))),
                hits(withoutSource));
        // The default blend, explained: interpolate, min_max over the merged window, weight 0.5.
        assertThat(
                withoutSource.raw(),
                containsString("weighted sum of min_max normalized scores over the reranked window"));
        assertThat(withoutSource.raw(), containsString("weight [0.5] times normalized cross-encoder score"));
        RestClient.Response refused = client.request(
                "POST", "/global/_search?search_pipeline=coordinator", search(QUERY, 0, 5, ",\"_source\":false"));
        assertEquals(refused.raw(), 400, refused.status());
        assertThat(refused.raw(), containsString("set [score_on] [data_nodes]"));
    }

    @Test
    public void spreadsTheModelWorkOverTheNodesThatHoldTheHits() throws Exception {
        Map<String, Long> before = pairsByNode();
        // A query of its own, so the score cache answers nothing.
        String query = "people live in a city with a river";
        client.ok("POST", "/global/_search?search_pipeline=global", search(query, 0, 5, ""));
        Map<String, Long> after = pairsByNode();
        long total = 0;
        for (String node : after.keySet()) {
            long scored = after.get(node) - before.getOrDefault(node, 0L);
            assertThat("node " + node + " scored its share", scored, greaterThan(0L));
            total += scored;
        }
        long matching = ((Number)
                        client.ok("POST", "/global/_search", search(query, 0, 0, ",\"track_total_hits\":true"))
                                .path("hits.total.value"))
                .longValue();
        assertEquals(
                "one pass per hit of the window, whatever the number of shards", Math.min(WINDOW, matching), total);
    }

    @Test
    public void badWindowsAreRefusedWithA400() throws Exception {
        RestClient.Response tooLarge = client.request(
                "PUT",
                "/_search/pipeline/huge",
                "{\"request_processors\":[{\"cross_encoder_window\":"
                        + "{\"window_size\":5000}}],\"response_processors\":[{\"cross_encoder_rerank\":{\"model\":\""
                        + GENERATED
                        + "\",\"fields\":[\"passage\"]}}]}");
        assertEquals(tooLarge.raw(), 200, tooLarge.status());
        RestClient.Response search =
                client.request("POST", "/global/_search?search_pipeline=huge", search(QUERY, 0, 5, ""));
        assertEquals(search.raw(), 400, search.status());
        assertThat(search.raw(), containsString("[cross_encoder_window] [window_size] [5000] is too large"));
        RestClient.Response badScoreOn = client.request(
                "PUT",
                "/_search/pipeline/bad",
                "{\"response_processors\":[{\"cross_encoder_rerank\":" + "{\"model\":\"" + GENERATED
                        + "\",\"fields\":[\"passage\"],\"score_on\":\"everywhere\"}}]}");
        assertEquals(badScoreOn.raw(), 400, badScoreOn.status());
        assertThat(
                badScoreOn.raw(),
                containsString("[score_on] must be one of [coordinator, data_nodes] but was [everywhere]"));
    }

    private static Map<String, Long> pairsByNode() throws Exception {
        Map<String, Object> nodes =
                client.ok("GET", "/_plugins/cross_encoder/stats", null).path("nodes");
        Map<String, Long> pairs = new HashMap<>();
        nodes.forEach((id, node) -> pairs.put(
                id, ((Number) ((Map<?, ?>) ((Map<?, ?>) node).get("inference")).get("pairs_scored")).longValue()));
        return pairs;
    }
}
