/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.integ;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThat;

import java.io.IOException;
import java.util.Map;
import org.junit.BeforeClass;
import org.junit.Test;

/** Every bad {@code cross_encoder} request is a 400 that names the problem, and leaves the node serving. */
public class CrossEncoderRescoreErrorsIT extends CrossEncoderIntegTestCase {

    @BeforeClass
    public static void setUpIndex() throws Exception {
        createIndex(
                "errors",
                2,
                "{\"passage\":{\"type\":\"text\"},\"year\":{\"type\":\"integer\"},\"meta\":{\"properties\":{\"summary\":{\"type\":\"text\"}}}}",
                Map.of(
                        "1",
                        "{\"passage\":\"people live in Berlin\",\"year\":2020}",
                        "2",
                        "{\"passage\":\"museums of New York\",\"year\":2021}"));
    }

    private static RestClient.Response search(String crossEncoder) throws IOException {
        return search(10, crossEncoder);
    }

    private static RestClient.Response search(int windowSize, String crossEncoder) throws IOException {
        return client.request(
                "POST",
                "/errors/_search",
                "{\"query\":{\"match_all\":{}},\"rescore\":{\"window_size\":" + windowSize + ",\"cross_encoder\":"
                        + crossEncoder + "}}");
    }

    private static void assertBadRequest(RestClient.Response response, String message) {
        assertEquals(response.raw(), 400, response.status());
        assertEquals(400, (int) response.path("status"));
        assertThat((String) response.path("error.root_cause.0.reason"), containsString(message));
    }

    private static String valid(String field) {
        return "{\"model\":\"" + GENERATED + "\",\"query_text\":\"berlin\",\"fields\":[\"" + field + "\"]}";
    }

    @Test
    public void unknownModelListsTheKnownOnes() throws Exception {
        RestClient.Response response =
                search("{\"model\":\"no-such-model\",\"query_text\":\"berlin\",\"fields\":[\"passage\"]}");
        assertEquals(response.raw(), 404, response.status());
        assertThat(
                (String) response.path("error.root_cause.0.reason"),
                containsString("unknown cross-encoder model [no-such-model] on node [shared-node]; loaded models: ["));
        assertThat(response.raw(), containsString(GENERATED));
        assertThat(response.raw(), containsString("failed to load: [" + BROKEN + ", " + GENERATED_BAD_BLEND + "]"));
    }

    @Test
    public void missingQueryText() throws Exception {
        RestClient.Response missing = search("{\"model\":\"" + GENERATED + "\",\"fields\":[\"passage\"]}");
        assertBadRequest(missing, "[cross_encoder] Required [query_text]");
        assertEquals("parsing_exception", missing.path("error.root_cause.0.type"));
        assertEquals("the line and column of the clause", 1, (int) (Integer) missing.path("error.root_cause.0.line"));
        assertThat((Integer) missing.path("error.root_cause.0.col"), greaterThan(1));
        assertBadRequest(
                search("{\"model\":\"" + GENERATED + "\",\"query_text\":\"  \",\"fields\":[\"passage\"]}"),
                "[cross_encoder] requires a non-empty [query_text]");
    }

    @Test
    public void emptyOrMissingFields() throws Exception {
        assertBadRequest(
                search("{\"model\":\"" + GENERATED + "\",\"query_text\":\"berlin\",\"fields\":[]}"),
                "[cross_encoder] [fields] must name at least one text field");
        assertBadRequest(
                search("{\"model\":\"" + GENERATED + "\",\"query_text\":\"berlin\"}"),
                "[cross_encoder] Required [fields]");
    }

    @Test
    public void unknownOptionAndBadScoreMode() throws Exception {
        assertBadRequest(
                search("{\"model\":\"" + GENERATED
                        + "\",\"query_text\":\"berlin\",\"fields\":[\"passage\"],\"colour\":\"red\"}"),
                "unknown field [colour]");
        RestClient.Response badMode = search("{\"model\":\"" + GENERATED
                + "\",\"query_text\":\"berlin\",\"fields\":[\"passage\"],\"score_mode\":\"sometimes\"}");
        assertEquals(400, badMode.status());
        assertThat(
                badMode.raw(),
                containsString(
                        "[score_mode] must be one of [replace, total, multiply, avg, max, min, interpolate] but was [sometimes]"));
    }

    @Test
    public void windowAboveTheConfiguredMaximum() throws Exception {
        assertBadRequest(search(1001, valid("passage")), "[cross_encoder] window_size [1001] is too large");
        client.ok("PUT", "/_cluster/settings", "{\"transient\":{\"plugins.cross_encoder.rescore.max_window_size\":5}}");
        try {
            assertBadRequest(
                    search(6, valid("passage")), "[plugins.cross_encoder.rescore.max_window_size] allows at most [5]");
            assertEquals(200, search(5, valid("passage")).status());
        } finally {
            client.ok(
                    "PUT",
                    "/_cluster/settings",
                    "{\"transient\":{\"plugins.cross_encoder.rescore.max_window_size\":null}}");
        }
    }

    @Test
    public void fieldsThatAreNotText() throws Exception {
        assertBadRequest(search(valid("year")), "[cross_encoder] field [year] is of type [integer] in index [errors]");
        assertBadRequest(search(valid("meta")), "[cross_encoder] field [meta] is an object in index [errors]");
        assertBadRequest(
                search(valid("no_such_field")),
                "[cross_encoder] field [no_such_field] is not mapped in index [errors]");
    }

    @Test
    public void aQueryLongerThanTheModelAcceptsIsTruncatedNotFatal() throws Exception {
        // The native tokenizer aborts the process if asked to truncate only the passage of such a pair.
        String longQuery = "how many people live in berlin ".repeat(300); // 1,800 tokens, under 10,000 characters
        RestClient.Response response = search(
                "{\"model\":\"" + GENERATED + "\",\"query_text\":\"" + longQuery + "\",\"fields\":[\"passage\"]}");
        assertEquals(response.raw(), 200, response.status());
        assertEquals(2, hits(response).size());
    }

    @Test
    public void badRequestsDoNotPoisonTheNode() throws Exception {
        for (int i = 0; i < 5; i++) {
            assertEquals(400, search(valid("year")).status());
            assertEquals(
                    404,
                    search("{\"model\":\"nope\",\"query_text\":\"x\",\"fields\":[\"passage\"]}")
                            .status());
        }
        RestClient.Response response = search(valid("passage"));
        assertEquals(response.raw(), 200, response.status());
        assertEquals(2, hits(response).size());
    }
}
