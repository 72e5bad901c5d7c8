/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.integ;

import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * A rescore over indices that map the field differently (an alias, a pattern, a list): an index without the field
 * reads it as empty (or from {@code _source}, where a document has it unmapped), so no shard fails and no hit is lost. Searched alone by its name, an index that does not map the field is a 400, as a typo
 * in {@code fields} should be.
 */
public class MixedMappingsIT extends CrossEncoderIntegTestCase {

    @BeforeClass
    public static void setUpIndices() throws Exception {
        createIndex(
                "mixed-with-passage",
                2,
                "{\"title\":{\"type\":\"text\"},\"passage\":{\"type\":\"text\"}}",
                Map.of(
                        "a1", "{\"title\":\"berlin\",\"passage\":\"how many people live in berlin\"}",
                        "a2", "{\"title\":\"museum\",\"passage\":\"berlin has many museums\"}"));
        client.ok(
                "PUT",
                "/mixed-without-passage",
                "{\"settings\":{\"number_of_shards\":2,\"number_of_replicas\":0},\"mappings\":{\"dynamic\":false,"
                        + "\"properties\":{\"title\":{\"type\":\"text\"}}}}");
        client.ok(
                "POST",
                "/mixed-without-passage/_bulk?refresh=true",
                "{\"index\":{\"_id\":\"b1\"}}\n{\"title\":\"berlin people\"}\n"
                        + "{\"index\":{\"_id\":\"b2\"}}\n{\"title\":\"berlin city\",\"passage\":\"the population of berlin\"}\n");
        client.ok(
                "POST",
                "/_aliases",
                "{\"actions\":[{\"add\":{\"index\":\"mixed-with-passage\",\"alias\":\"mixed\"}},"
                        + "{\"add\":{\"index\":\"mixed-without-passage\",\"alias\":\"mixed\"}}]}");
    }

    private static String rescore(String fields) {
        return "{\"query\":{\"match\":{\"title\":\"berlin museum\"}},\"rescore\":{\"window_size\":10,\"cross_encoder\":{"
                + "\"model\":\"" + GENERATED + "\",\"query_text\":\"how many people live in berlin\",\"fields\":"
                + fields
                + ",\"score_mode\":\"replace\"}}}"; // the model's scores, compared with _rerank's
    }

    @Test
    public void everyIndexOfAnAliasIsRerankedEvenWithoutTheField() throws Exception {
        for (String target : List.of("mixed", "mixed-*", "mixed-with-passage,mixed-without-passage")) {
            RestClient.Response response = client.ok("POST", "/" + target + "/_search", rescore("[\"passage\"]"));
            assertEquals(target + ": " + response.raw(), 0, (int) response.path("_shards.failed"));
            assertThat(target, ids(response), containsInAnyOrder("a1", "a2", "b1", "b2"));
        }
        // The unmapped field is read from _source where a document has it: b2 is scored on its passage.
        Map<String, Float> mixed = scoresById(client.ok("POST", "/mixed/_search", rescore("[\"passage\"]")));
        RestClient.Response b2Alone = client.ok(
                "POST",
                "/_plugins/cross_encoder/_rerank",
                "{\"model\":\"" + GENERATED + "\",\"query_text\":\"how many people live in berlin\",\"texts\":"
                        + "[\"the population of berlin\"]}");
        assertEquals(mixed.get("b2"), ((Number) b2Alone.path("results.0.score")).floatValue(), 1e-5f);
    }

    @Test
    public void anIndexSearchedAloneWithoutTheFieldIsA400() throws Exception {
        assertRefused(
                400,
                "[cross_encoder] field [passage] is not mapped in index [mixed-without-passage]; [fields] must name text"
                        + " fields",
                "POST",
                "/mixed-without-passage/_search",
                rescore("[\"passage\"]"));
    }
}
