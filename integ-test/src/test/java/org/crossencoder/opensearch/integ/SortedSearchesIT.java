/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.integ;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * A search sorted by a field keeps its order through every pipeline: the response processor (on the coordinator and
 * on the data nodes), the global window and the rescore request processor leave it as the same search without a
 * pipeline answers it, page after page with {@code search_after}, and say so ({@code ext.cross_encoder_reranking}, or a
 * warning header where a request processor has no response to write in). The rescore clause itself is refused beside a
 * sort, by OpenSearch, as any rescore is. Sorting by {@code _score} alone is the default order, and is reranked.
 */
public class SortedSearchesIT extends CrossEncoderIntegTestCase {

    private static final String INDEX = "sorted-searches";
    private static final String QUERY = "berlin people population";

    @BeforeClass
    public static void setUp() throws Exception {
        Map<String, String> documents = new LinkedHashMap<>();
        String[] words = {"berlin", "people", "population", "city", "museum", "live"};
        for (int i = 0; i < 30; i++) {
            documents.put(
                    "d" + i,
                    "{\"passage\":\"berlin " + words[i % words.length] + " " + words[(i * 5 + 1) % words.length]
                            + " doc " + i + "\",\"year\":" + (2000 + (i * 7) % 30) + "}");
        }
        createIndex(INDEX, 2, "{\"passage\":{\"type\":\"text\"},\"year\":{\"type\":\"integer\"}}", documents);
        String rerank = "{\"cross_encoder_rerank\":{\"model\":\"" + GENERATED + "\",\"fields\":[\"passage\"]%s}}";
        client.ok(
                "PUT",
                "/_search/pipeline/sorted-coordinator",
                "{\"response_processors\":[" + String.format(java.util.Locale.ROOT, rerank, "") + "]}");
        client.ok(
                "PUT",
                "/_search/pipeline/sorted-data-nodes",
                "{\"response_processors\":["
                        + String.format(java.util.Locale.ROOT, rerank, ",\"score_on\":\"data_nodes\"") + "]}");
        client.ok(
                "PUT",
                "/_search/pipeline/sorted-window",
                "{\"request_processors\":[{\"cross_encoder_window\":{\"window_size\":20}}],\"response_processors\":["
                        + String.format(java.util.Locale.ROOT, rerank, ",\"score_on\":\"data_nodes\"") + "]}");
        client.ok(
                "PUT",
                "/_search/pipeline/sorted-rescore",
                "{\"request_processors\":[{\"cross_encoder_rescore\":{\"model\":\"" + GENERATED
                        + "\",\"fields\":[\"passage\"],\"window_size\":20}}]}");
    }

    private static String sorted(int size, String searchAfter) {
        return "{\"size\":" + size + ",\"query\":{\"match\":{\"passage\":\"" + QUERY + "\"}},"
                + "\"sort\":[{\"year\":\"asc\"},{\"_id\":\"asc\"}],"
                + (searchAfter == null ? "" : "\"search_after\":" + searchAfter + ",")
                + "\"ext\":{\"cross_encoder\":{\"query_text\":\"" + QUERY + "\"}}}";
    }

    /** Every page of the sorted search through a pipeline, chained with search_after, as ids. */
    @SuppressWarnings("unchecked")
    private static List<String> allPages(String pipeline, List<RestClient.Response> pages) throws Exception {
        List<String> ids = new ArrayList<>();
        String searchAfter = null;
        while (true) {
            RestClient.Response page = client.ok(
                    "POST",
                    "/" + INDEX + "/_search" + (pipeline == null ? "" : "?search_pipeline=" + pipeline),
                    sorted(7, searchAfter));
            List<Map<String, Object>> hits = hits(page);
            if (hits.isEmpty()) {
                return ids;
            }
            pages.add(page);
            hits.forEach(hit -> ids.add((String) hit.get("_id")));
            List<Object> sort = (List<Object>) hits.get(hits.size() - 1).get("sort");
            searchAfter = "[" + sort.get(0) + ",\"" + sort.get(1) + "\"]";
        }
    }

    @Test
    public void everyPipelineLeavesASortedSearchInItsOrder() throws Exception {
        List<String> expected = allPages(null, new ArrayList<>());
        assertEquals("every match, each once", 30, expected.stream().distinct().count());
        for (String pipeline : List.of("sorted-coordinator", "sorted-data-nodes", "sorted-window")) {
            List<RestClient.Response> pages = new ArrayList<>();
            assertEquals(pipeline, expected, allPages(pipeline, pages));
            for (RestClient.Response page : pages) {
                assertEquals(pipeline, "sorted_search", page.path("ext.cross_encoder_reranking.kind"));
                assertThat(
                        pipeline,
                        page.path("ext.cross_encoder_reranking.reason"),
                        containsString("[cross_encoder_rerank] did not rerank: the search sorts by"));
            }
        }
        List<RestClient.Response> pages = new ArrayList<>();
        assertEquals(expected, allPages("sorted-rescore", pages));
        assertThat(pages.get(0).warnings().toString(), containsString("[cross_encoder_rescore] did not rerank"));
    }

    @Test
    public void aSortOnScoreAloneIsReranked() throws Exception {
        String query = "\"size\":5,\"query\":{\"match\":{\"passage\":\"" + QUERY + "\"}},"
                + "\"ext\":{\"cross_encoder\":{\"query_text\":\"" + QUERY + "\"}}";
        List<Object> firstStage =
                client.ok("POST", "/" + INDEX + "/_search", "{" + query + "}").hitIdsAndScores();
        for (String pipeline : List.of("sorted-coordinator", "sorted-rescore")) {
            String path = "/" + INDEX + "/_search?search_pipeline=" + pipeline;
            RestClient.Response unsorted = client.ok("POST", path, "{" + query + "}");
            RestClient.Response byScore = client.ok("POST", path, "{\"sort\":[\"_score\"]," + query + "}");
            assertNotEquals(pipeline + " reranks", firstStage, unsorted.hitIdsAndScores());
            assertEquals(pipeline, unsorted.hitIdsAndScores(), byScore.hitIdsAndScores());
            assertNull(pipeline, byScore.path("ext"));
        }
    }

    @Test
    public void theRescoreClauseBesideASortIsRefusedByOpenSearch() throws Exception {
        RestClient.Response refused = client.request(
                "POST",
                "/" + INDEX + "/_search",
                "{\"sort\":[{\"year\":\"asc\"}],\"query\":{\"match_all\":{}},\"rescore\":{\"cross_encoder\":{"
                        + "\"model\":\"" + GENERATED + "\",\"query_text\":\"q\",\"fields\":[\"passage\"]}}}");
        assertEquals(refused.raw(), 400, refused.status());
        assertThat(refused.raw(), containsString("Cannot use [sort] option in conjunction with [rescore]"));
        assertThat(ids(client.ok("POST", "/" + INDEX + "/_search", sorted(3, null))), hasItem("d0"));
    }
}
