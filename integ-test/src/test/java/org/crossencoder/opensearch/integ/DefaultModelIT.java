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

import java.util.List;
import java.util.Map;
import org.junit.After;
import org.junit.BeforeClass;
import org.junit.Test;

/** {@code plugins.cross_encoder.default_model}: every way in may leave out {@code model}, and gets the default's scores. */
public class DefaultModelIT extends CrossEncoderIntegTestCase {

    private static final String INDEX = "default-model";
    private static final String QUERY = "how many people live in berlin";

    @BeforeClass
    public static void setUpIndex() throws Exception {
        createIndex(
                INDEX,
                2,
                "{\"passage\":{\"type\":\"text\"}}",
                Map.of(
                        "1",
                        "{\"passage\":\"people live in berlin\"}",
                        "2",
                        "{\"passage\":\"museums of new york\"}",
                        "3",
                        "{\"passage\":\"berlin has a population of 3,520,031 people\"}"));
    }

    @After
    public void unsetDefault() throws Exception {
        setDefault("null");
    }

    private static void setDefault(String json) throws Exception {
        client.ok(
                "PUT", "/_cluster/settings", "{\"persistent\":{\"plugins.cross_encoder.default_model\":" + json + "}}");
    }

    /** The model's own scores, which tell which model ran: blended with BM25's they would tell less. */
    private static String rescore(String model) {
        return "{\"query\":{\"match\":{\"passage\":\"people berlin york\"}},\"rescore\":{\"window_size\":10,\"cross_encoder\":{"
                + (model == null ? "" : "\"model\":\"" + model + "\",") + "\"query_text\":\"" + QUERY
                + "\",\"fields\":[\"passage\"],\"score_mode\":\"replace\"}}}";
    }

    @Test
    public void everyPathUsesTheDefaultWhenTheRequestNamesNoModel() throws Exception {
        Map<String, Float> explicit = scoresById(client.ok("POST", "/" + INDEX + "/_search", rescore(GENERATED)));
        RestClient.Response rerankExplicit = client.ok(
                "POST",
                "/_plugins/cross_encoder/_rerank",
                "{\"model\":\"" + GENERATED + "\",\"query_text\":\"" + QUERY
                        + "\",\"texts\":[\"people live in berlin\"]}");

        setDefault("\"" + GENERATED + "\"");
        assertEquals(explicit, scoresById(client.ok("POST", "/" + INDEX + "/_search", rescore(null))));

        RestClient.Response rerank = client.ok(
                "POST",
                "/_plugins/cross_encoder/_rerank",
                "{\"query_text\":\"" + QUERY + "\",\"texts\":[\"people live in berlin\"]}");
        assertEquals(GENERATED, rerank.path("model"));
        assertEquals((Object) rerankExplicit.path("results.0.score"), rerank.path("results.0.score"));

        client.ok(
                "PUT",
                "/_search/pipeline/default-rescore",
                "{\"request_processors\":[{\"cross_encoder_rescore\":{\"fields\":[\"passage\"],\"score_mode\":\"replace\"}}]}");
        client.ok(
                "PUT",
                "/_search/pipeline/default-rerank",
                "{\"response_processors\":[{\"cross_encoder_rerank\":{\"fields\":[\"passage\"],\"score_mode\":\"replace\"}}]}");
        String pipelined =
                "{\"query\":{\"match\":{\"passage\":\"people berlin york\"}},\"ext\":{\"cross_encoder\":{\"query_text\":\""
                        + QUERY + "\"}}}";
        assertEquals(
                explicit,
                scoresById(client.ok("POST", "/" + INDEX + "/_search?search_pipeline=default-rescore", pipelined)));
        assertEquals(
                explicit,
                scoresById(client.ok("POST", "/" + INDEX + "/_search?search_pipeline=default-rerank", pipelined)));

        // A model named in the request still wins over the default.
        setDefault("\"" + BROKEN + "\""); // were the default used, the model that failed to load would answer 503
        assertEquals(explicit, scoresById(client.ok("POST", "/" + INDEX + "/_search", rescore(GENERATED))));
    }

    @Test
    public void withoutADefaultLeavingOutTheModelIsA400ThatNamesTheSettingAndTheModels() throws Exception {
        for (RestClient.Response response : List.of(
                client.request("POST", "/" + INDEX + "/_search", rescore(null)),
                client.request(
                        "POST", "/_plugins/cross_encoder/_rerank", "{\"query_text\":\"q\",\"texts\":[\"a\"]}"))) {
            assertEquals(response.raw(), 400, response.status());
            assertThat(
                    response.raw(),
                    containsString("no [model] given and [plugins.cross_encoder.default_model] is not set"));
            assertThat(response.raw(), containsString(GENERATED));
        }
        setDefault("\"no-such-model\"");
        RestClient.Response unknownDefault =
                client.request("POST", "/_plugins/cross_encoder/_rerank", "{\"query_text\":\"q\",\"texts\":[\"a\"]}");
        assertEquals(unknownDefault.raw(), 404, unknownDefault.status());
        assertThat(unknownDefault.raw(), containsString("unknown cross-encoder model [no-such-model]"));
    }
}
