/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.integ;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertThat;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * {@code cross_encoder_rerank} changes the order and the scores of the hits and nothing else: whatever else a
 * response carries (PIT id, profile, aggregations, collapse and its inner hits, sort values, timing) is the same
 * as without the processor.
 */
public class ResponseProcessorKeepsTheResponseIT extends CrossEncoderIntegTestCase {

    private static final String INDEX = "kept";
    private static final String QUERY = "how many people live in berlin";
    private static final String EXT = "\"ext\":{\"cross_encoder\":{\"query_text\":\"" + QUERY + "\"}}";

    @BeforeClass
    public static void setUp() throws Exception {
        Map<String, String> docs = new LinkedHashMap<>();
        for (int i = 0; i < 12; i++) {
            String passage = (i % 3 == 0 ? "people live in berlin " : "museums of new york ") + "fact " + i + " "
                    + "people ".repeat(i % 4);
            docs.put(
                    "k" + i, "{\"passage\":\"" + passage.trim() + "\",\"group\":\"g" + (i % 4) + "\",\"n\":" + i + "}");
        }
        createIndex(
                INDEX,
                2,
                "{\"passage\":{\"type\":\"text\"},\"group\":{\"type\":\"keyword\"},\"n\":{\"type\":\"integer\"}}",
                docs);
        client.ok(
                "PUT",
                "/_search/pipeline/keep-rerank",
                "{\"response_processors\":[{\"cross_encoder_rerank\":{\"model\":\"" + GENERATED
                        + "\",\"fields\":[\"passage\"]}}]}");
    }

    /** The same search without and with the processor. */
    private static RestClient.Response[] both(String path, String body) throws Exception {
        String separator = path.contains("?") ? "&" : "?";
        return new RestClient.Response[] {
            client.ok("POST", path, body), client.ok("POST", path + separator + "search_pipeline=keep-rerank", body)
        };
    }

    /** Asserts that everything but the hits' order and scores (and timings) is the same in both responses. */
    @SuppressWarnings("unchecked")
    private static void assertOnlyOrderAndScoresDiffer(RestClient.Response[] responses) {
        Map<String, Object> plain = responses[0].body();
        Map<String, Object> reranked = responses[1].body();
        assertEquals(new TreeSet<>(plain.keySet()), new TreeSet<>(reranked.keySet()));
        for (String key : plain.keySet()) {
            if (Set.of("took", "hits", "profile", "phase_took").contains(key) == false) {
                assertEquals(key, plain.get(key), reranked.get(key));
            }
        }
        Map<String, Object> plainHits = (Map<String, Object>) plain.get("hits");
        Map<String, Object> rerankedHits = (Map<String, Object>) reranked.get("hits");
        assertEquals(plainHits.get("total"), rerankedHits.get("total"));
        Map<String, Map<String, Object>> byId = new HashMap<>();
        ((List<Map<String, Object>>) plainHits.get("hits")).forEach(hit -> byId.put((String) hit.get("_id"), hit));
        List<Map<String, Object>> hits = (List<Map<String, Object>>) rerankedHits.get("hits");
        assertEquals(byId.size(), hits.size());
        for (Map<String, Object> hit : hits) {
            Map<String, Object> before = new HashMap<>(byId.get((String) hit.get("_id")));
            Map<String, Object> after = new HashMap<>(hit);
            before.remove("_score");
            after.remove("_score");
            assertEquals("hit " + hit.get("_id") + " keeps everything but its score", before, after);
        }
    }

    @Test
    public void aPointInTimeSearchKeepsItsPitId() throws Exception {
        String pit = client.ok("POST", "/" + INDEX + "/_search/point_in_time?keep_alive=1m", null)
                .path("pit_id");
        try {
            RestClient.Response[] responses = both(
                    "/_search",
                    "{\"size\":12,\"pit\":{\"id\":\"" + pit + "\"},\"query\":{\"match\":{\"passage\":\"people\"}},"
                            + EXT + "}");
            assertThat(responses[1].raw(), (Object) responses[1].path("pit_id"), notNullValue());
            assertOnlyOrderAndScoresDiffer(responses);
        } finally {
            client.ok("DELETE", "/_search/point_in_time", "{\"pit_id\":[\"" + pit + "\"]}");
        }
    }

    @Test
    public void collapseKeepsItsFieldsAndInnerHits() throws Exception {
        RestClient.Response[] responses = both(
                "/" + INDEX + "/_search",
                "{\"size\":12,\"query\":{\"match\":{\"passage\":\"people\"}},"
                        + "\"collapse\":{\"field\":\"group\",\"inner_hits\":{\"name\":\"more\",\"size\":2}}," + EXT
                        + "}");
        assertThat(responses[1].raw(), containsString("\"inner_hits\":{\"more\""));
        assertOnlyOrderAndScoresDiffer(responses);
    }

    /**
     * A sort on the score with a field to break ties, paged with {@code search_after}, is a sort of its own: the page
     * keeps its order and each hit its sort values, so the next page follows on (see SortedSearchesIT).
     */
    @Test
    public void aSortWithAFieldTieBreakKeepsItsOrderAndSortValues() throws Exception {
        String sort = "\"sort\":[{\"_score\":\"desc\"},{\"n\":\"asc\"}],\"track_scores\":true";
        RestClient.Response first = client.ok(
                "POST",
                "/" + INDEX + "/_search",
                "{\"size\":3," + sort + ",\"query\":{\"match\":{\"passage\":\"people\"}}}");
        @SuppressWarnings("unchecked")
        List<Object> cursor = (List<Object>) hits(first).get(2).get("sort");
        RestClient.Response[] responses = both(
                "/" + INDEX + "/_search",
                "{\"size\":5," + sort + ",\"search_after\":" + toJson(cursor)
                        + ",\"query\":{\"match\":{\"passage\":\"people\"}}," + EXT + "}");
        assertNotEquals(List.of(), hits(responses[1]));
        assertEquals(responses[0].hitIdsAndScores(), responses[1].hitIdsAndScores());
        assertEquals(
                (Object) hits(responses[0]).get(0).get("sort"),
                hits(responses[1]).get(0).get("sort"));
        assertEquals("sorted_search", responses[1].path("ext.cross_encoder_reranking.kind"));
    }

    @Test
    public void profileAggregationsAndPhaseTimingsAreKept() throws Exception {
        RestClient.Response[] responses = both(
                "/" + INDEX + "/_search?phase_took=true",
                "{\"size\":12,\"profile\":true,\"query\":{\"match\":{\"passage\":\"people\"}},"
                        + "\"aggs\":{\"groups\":{\"terms\":{\"field\":\"group\"}}}," + EXT + "}");
        assertThat(responses[1].raw(), (Object) responses[1].path("profile.shards"), notNullValue());
        assertThat(responses[1].raw(), (Object) responses[1].path("phase_took"), notNullValue());
        assertOnlyOrderAndScoresDiffer(responses);
    }

    private static String toJson(List<Object> values) {
        StringBuilder json = new StringBuilder("[");
        for (Object value : values) {
            json.append(json.length() > 1 ? "," : "").append(value instanceof String s ? "\"" + s + "\"" : value);
        }
        return json.append(']').toString();
    }
}
