/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.integ;

import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * {@code explain} with {@code score_mode: interpolate} on an index of several shards, where the fetch phase (which
 * explains) is a request of its own after the query phase (which blends): every hit comes back explained, with the
 * blend of its normalized scores, and with the same scores as without {@code explain}. Also with {@code size: 1},
 * {@code reciprocal_rank} and {@code dfs_query_then_fetch}, which once answered a 500 or dropped hits silently.
 */
public class ExplainAcrossShardsIT extends CrossEncoderIntegTestCase {

    private static final String INDEX = "explain-shards";

    @BeforeClass
    public static void setUpIndex() throws Exception {
        Map<String, String> documents = new LinkedHashMap<>();
        String[] words = {"berlin", "people", "population", "city", "museum", "live", "visit", "million"};
        for (int i = 0; i < 24; i++) {
            StringBuilder passage = new StringBuilder();
            for (int w = 0; w < 3 + i % 5; w++) {
                passage.append(words[(i * 3 + w * 5) % words.length]).append(' ');
            }
            documents.put("d" + i, "{\"passage\":\"" + passage.toString().trim() + "\"}");
        }
        createIndex(INDEX, 3, "{\"passage\":{\"type\":\"text\"}}", documents);
    }

    private static String search(int size, String normalization, boolean explain) {
        return "{\"size\":" + size + ",\"explain\":" + explain
                + ",\"query\":{\"match\":{\"passage\":\"berlin people population\"}},\"rescore\":{\"window_size\":50,"
                + "\"cross_encoder\":{\"model\":\"" + GENERATED
                + "\",\"query_text\":\"how many people live in berlin\","
                + "\"fields\":[\"passage\"],\"score_mode\":\"interpolate\",\"normalization\":\"" + normalization
                + "\"}}}";
    }

    @Test
    @SuppressWarnings("unchecked")
    public void explainsEveryInterpolatedHitOnEveryShard() throws Exception {
        for (String searchType : List.of("query_then_fetch", "dfs_query_then_fetch")) {
            for (String normalization : List.of("min_max", "reciprocal_rank")) {
                for (int size : new int[] {1, 10}) {
                    String what = searchType + ", " + normalization + ", size " + size;
                    String path = "/" + INDEX + "/_search?search_type=" + searchType;
                    RestClient.Response plain = client.ok("POST", path, search(size, normalization, false));
                    RestClient.Response explained = client.ok("POST", path, search(size, normalization, true));
                    assertEquals(what + ": " + explained.raw(), 0, (int) explained.path("_shards.failed"));
                    assertEquals(what, size, hits(explained).size());
                    assertEquals(what, plain.hitIdsAndScores(), explained.hitIdsAndScores());
                    for (Map<String, Object> hit : hits(explained)) {
                        Map<String, Object> explanation = (Map<String, Object>) hit.get("_explanation");
                        assertThat(
                                what,
                                (String) explanation.get("description"),
                                containsString("weighted sum of " + normalization + " normalized scores"));
                        assertEquals(what, score(hit), ((Number) explanation.get("value")).floatValue(), 1e-5f);
                    }
                }
            }
        }
    }
}
