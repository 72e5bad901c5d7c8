/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.integ;

import static org.hamcrest.Matchers.greaterThan;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * The score cache on a real node: a repeated search, the next page and {@code explain} are answered without
 * the model and with the same scores; an edited document is scored again; size 0 turns the cache off.
 */
public class ScoreCacheIT extends CrossEncoderIntegTestCase {

    private static final String INDEX = "cache-test";
    private static final int DOCS = 6;

    @BeforeClass
    public static void setUpIndex() throws Exception {
        Map<String, String> docs = new LinkedHashMap<>();
        for (int i = 1; i <= DOCS; i++) {
            docs.put(
                    "d" + i, "{\"passage\":\"" + ("river ".repeat(i) + "bridges and boats, story " + i).trim() + "\"}");
        }
        createIndex(INDEX, 1, "{\"passage\":{\"type\":\"text\"}}", docs);
    }

    private static String search(String queryText, int from, int size, boolean explain) {
        return "{\"from\":" + from + ",\"size\":" + size + ",\"explain\":" + explain
                + ",\"query\":{\"match\":{\"passage\":\"river\"}},"
                // The model's scores, which the cache holds: a blend would renormalize when one document changes.
                + CrossEncoderRescoreIT.rescore(
                        10, GENERATED, queryText, "[\"passage\"]", CrossEncoderRescoreIT.REPLACE)
                + "}";
    }

    @Test
    public void repeatsPagesAndExplainsComeFromTheCache() throws Exception {
        String query = "where do boats cross the river";
        Counters start = counters();
        RestClient.Response first = client.ok("POST", "/" + INDEX + "/_search", search(query, 0, DOCS, false));
        Counters afterFirst = counters();
        assertEquals("each hit is a miss once", DOCS, afterFirst.misses - start.misses);
        assertEquals(DOCS, afterFirst.pairsScored - start.pairsScored);
        assertEquals(0, afterFirst.hits - start.hits);

        RestClient.Response again = client.ok("POST", "/" + INDEX + "/_search", search(query, 0, DOCS, false));
        Counters afterAgain = counters();
        assertEquals(scoresById(first), scoresById(again));
        assertEquals(DOCS, afterAgain.hits - afterFirst.hits);
        assertEquals("the model did not run", afterFirst.pairsScored, afterAgain.pairsScored);

        RestClient.Response secondPage = client.ok("POST", "/" + INDEX + "/_search", search(query, 2, 2, true));
        Counters afterPage = counters();
        assertEquals(ids(first).subList(2, 4), ids(secondPage));
        for (Map<String, Object> hit : hits(secondPage)) {
            assertEquals(scoresById(first).get((String) hit.get("_id")), score(hit), 0f);
        }
        assertThat("the page and its explanations are cache hits", afterPage.hits - afterAgain.hits, greaterThan((long)
                DOCS));
        assertEquals(afterFirst.pairsScored, afterPage.pairsScored);
    }

    @Test
    public void anEditedDocumentIsScoredAgain() throws Exception {
        String query = "old stone bridges over a river";
        Map<String, Float> before =
                scoresById(client.ok("POST", "/" + INDEX + "/_search", search(query, 0, DOCS, false)));
        client.ok(
                "PUT",
                "/" + INDEX + "/_doc/d3?refresh=true",
                "{\"passage\":\"river river river: a ferry replaced the bridge\"}");
        Counters beforeSearch = counters();
        Map<String, Float> after =
                scoresById(client.ok("POST", "/" + INDEX + "/_search", search(query, 0, DOCS, false)));
        Counters afterSearch = counters();
        assertEquals(
                "only the edited document goes through the model",
                1,
                afterSearch.pairsScored - beforeSearch.pairsScored);
        assertEquals(DOCS - 1, afterSearch.hits - beforeSearch.hits);
        assertNotEquals(before.get("d3"), after.get("d3"));
        for (String id : List.of("d1", "d2", "d4", "d5", "d6")) {
            assertEquals(id, before.get(id), after.get(id));
        }
    }

    @Test
    public void sizeZeroTurnsTheCacheOff() throws Exception {
        String query = "boats without a cache";
        client.ok("POST", "/" + INDEX + "/_search", search(query, 0, DOCS, false));
        client.ok("PUT", "/_cluster/settings", "{\"persistent\":{\"plugins.cross_encoder.cache.size\":\"0b\"}}");
        try {
            assertEquals("changing the size empties the cache", 0, counters().entries);
            Counters before = counters();
            client.ok("POST", "/" + INDEX + "/_search", search(query, 0, DOCS, false));
            Counters after = counters();
            assertEquals(DOCS, after.pairsScored - before.pairsScored);
            assertEquals(before.hits, after.hits);
            assertEquals(before.misses, after.misses);
            assertEquals(0, after.entries);
        } finally {
            client.ok("PUT", "/_cluster/settings", "{\"persistent\":{\"plugins.cross_encoder.cache.size\":null}}");
        }
        client.ok("POST", "/" + INDEX + "/_search", search(query, 0, DOCS, false));
        assertEquals("back on at the default size", DOCS, counters().entries);
    }

    @Test
    public void aBadSizeIsRefused() throws Exception {
        RestClient.Response response = client.request(
                "PUT", "/_cluster/settings", "{\"persistent\":{\"plugins.cross_encoder.cache.size\":\"lots\"}}");
        assertEquals(response.raw(), 400, response.status());
        assertThat(response.raw().indexOf("plugins.cross_encoder.cache.size"), greaterThan(-1));
    }

    private record Counters(long entries, long hits, long misses, long pairsScored) {}

    @SuppressWarnings("unchecked")
    private static Counters counters() throws Exception {
        Map<String, Map<String, Object>> nodes =
                client.ok("GET", "/_plugins/cross_encoder/stats", null).path("nodes");
        Map<String, Object> node = nodes.values().iterator().next();
        Map<String, Object> cache = (Map<String, Object>) node.get("score_cache");
        Map<String, Object> inference = (Map<String, Object>) node.get("inference");
        return new Counters(
                ((Number) cache.get("entries")).longValue(),
                ((Number) cache.get("hit_count")).longValue(),
                ((Number) cache.get("miss_count")).longValue(),
                ((Number) inference.get("pairs_scored")).longValue());
    }
}
