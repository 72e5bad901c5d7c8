/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.integ;

import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThat;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * Malformed and hostile requests that the YAML REST suite cannot send, on a real node: each one gets a 4xx whose error
 * names the problem, and afterwards the node is green and a normal reranked search returns the same hits as before.
 * Every other malformed request of the rescore clause, the search processors and {@code _rerank} is a readable
 * {@code catch:} test of the YAML suite ({@code integ-test/src/test/resources/rest-api-spec/test/cross_encoder/*_bad_input.yml},
 * run by {@link CrossEncoderYamlIT}). What stays here, and why YAML cannot express it:
 *
 * <ul>
 *   <li>sizes: megabytes of query text, a 15 MB body, 2.1 million characters of texts, 1,001 texts, 10,001 emoji, 2,000
 *       levels of nesting, 200- and 300-character names: built in Java, they would be unreadable written out;
 *   <li>bodies that are not one JSON object (truncated, followed by more content, an array, none): the YAML runner parses
 *       each body and sends it re-serialized, so it only sends well-formed ones;
 *   <li>wrong methods and unknown URL parameters: the runner calls an API through its rest-api-spec, which names its
 *       methods and parameters, and refuses others before sending;
 *   <li>an unknown {@code ml:} model: a 404 where the node runs ML Commons and a 400 where it does not, and whether it
 *       does depends on the run (3.6.0's full run installs it, the other versions' runs and the YAML suite's node do not);
 *   <li>the node's health and unchanged answers after the whole barrage.
 * </ul>
 *
 * (A burst beyond the inference queue is {@link InferenceQueueIT}.)
 */
public class BadInputIT extends CrossEncoderIntegTestCase {

    private static final String INDEX = "bad-input";
    private static final String SEARCH = "/" + INDEX + "/_search";
    private static final String RERANK = "/_plugins/cross_encoder/_rerank";
    private static final String MEGABYTE = "x".repeat(1 << 20);

    /** One request and what the answer must be: its status and a phrase of its error. */
    private record Case(String name, String method, String path, String body, int status, String message) {}

    @BeforeClass
    public static void setUpIndex() throws Exception {
        createIndex(
                INDEX,
                2,
                "{\"passage\":{\"type\":\"text\"},\"year\":{\"type\":\"integer\"},\"meta\":{\"properties\":{\"summary\":{\"type\":\"text\"}}}}",
                Map.of(
                        "1",
                        "{\"passage\":\"people live in Berlin\",\"year\":2020}",
                        "2",
                        "{\"passage\":\"museums of New York\",\"year\":2021}",
                        "3",
                        "{\"passage\":\"the population of Berlin grows\",\"year\":2022}"));
        client.ok(
                "PUT",
                "/_search/pipeline/bad-input-rescore",
                "{\"request_processors\":[{\"cross_encoder_rescore\":{\"model\":\"" + GENERATED
                        + "\",\"fields\":[\"passage\"]}}]}");
        client.ok(
                "PUT",
                "/_search/pipeline/bad-input-rerank",
                "{\"response_processors\":[{\"cross_encoder_rerank\":{\"model\":\"" + GENERATED
                        + "\",\"fields\":[\"passage\"]}}]}");
    }

    private static String rescore(String windowSize, String crossEncoder) {
        return "{\"query\":{\"match\":{\"passage\":\"berlin\"}},\"rescore\":{"
                + (windowSize == null ? "" : "\"window_size\":" + windowSize + ",") + "\"cross_encoder\":"
                + crossEncoder + "}}";
    }

    private static String crossEncoder(String model, String queryText, String fields, String extra) {
        StringBuilder json = new StringBuilder("{");
        if (model != null) {
            json.append("\"model\":").append(model).append(',');
        }
        if (queryText != null) {
            json.append("\"query_text\":").append(queryText).append(',');
        }
        if (fields != null) {
            json.append("\"fields\":").append(fields).append(',');
        }
        json.append(extra);
        if (json.charAt(json.length() - 1) == ',') {
            json.setLength(json.length() - 1);
        }
        return json.append('}').toString();
    }

    private static String valid(String extra) {
        return crossEncoder("\"" + GENERATED + "\"", "\"berlin\"", "[\"passage\"]", extra);
    }

    private static String rerank(String fields) {
        return "{" + fields + "}";
    }

    private static String nested(int depth) {
        return "{\"a\":".repeat(depth) + "1" + "}".repeat(depth);
    }

    private static List<Case> cases() throws IOException {
        String tiny = "\"" + GENERATED + "\"";
        String ok = "\"model\":" + tiny + ",\"query_text\":\"q\"";
        // Versions whose test nodes run without ML Commons (test-versions.sh) refuse ml: models for that.
        boolean mlCommons = client.hasPlugin("opensearch-ml");
        int unknownMlModelStatus = mlCommons ? 404 : 400;
        String unknownMlModel = mlCommons
                ? "ML Commons has no model [noSuchModel0123]"
                : "ML Commons (the opensearch-ml plugin) is not installed";
        List<Case> cases = new ArrayList<>();

        // Sizes: built here, not written down.
        cases.add(new Case(
                "model name too long",
                "POST",
                SEARCH,
                rescore("5", crossEncoder("\"" + "m".repeat(300) + "\"", "\"q\"", "[\"passage\"]", "")),
                400,
                "[model] is [300] characters long"));
        cases.add(new Case(
                "ml model id too long",
                "POST",
                SEARCH,
                rescore("5", crossEncoder("\"ml:" + "a".repeat(200) + "\"", "\"q\"", "[\"passage\"]", "")),
                400,
                "is not an ML Commons model"));
        cases.add(new Case(
                "query_text 1 MB",
                "POST",
                SEARCH,
                rescore("5", crossEncoder(tiny, "\"" + MEGABYTE + "\"", "[\"passage\"]", "")),
                400,
                "[query_text] is [1048576] characters long"));
        cases.add(new Case(
                "deeply nested option", "POST", SEARCH, rescore("5", valid("\"deep\":" + nested(2000))), 400, ""));
        cases.add(new Case(
                "ext query_text 1 MB (rescore)",
                "POST",
                SEARCH + "?search_pipeline=bad-input-rescore",
                "{\"query\":{\"match_all\":{}},\"ext\":{\"cross_encoder\":{\"query_text\":\"" + MEGABYTE + "\"}}}",
                400,
                "characters long"));
        cases.add(new Case(
                "ext query_text 1 MB (rerank)",
                "POST",
                SEARCH + "?search_pipeline=bad-input-rerank",
                "{\"query\":{\"match_all\":{}},\"ext\":{\"cross_encoder\":{\"query_text\":\"" + MEGABYTE + "\"}}}",
                400,
                "characters long"));
        // _rerank bounds its body and its texts.
        String longTexts = String.join(",", Collections.nCopies(1000, "\"" + "y".repeat(15_000) + "\""));
        cases.add(new Case(
                "rerank 15 MB body",
                "POST",
                RERANK,
                "{\"model\":\"" + GENERATED + "\",\"query_text\":\"q\",\"texts\":[" + longTexts + "]}",
                413,
                "is larger than [plugins.cross_encoder.rerank.max_request_size] allows ([4mb])"));
        String twoMillion = String.join(",", Collections.nCopies(3, "\"" + "z".repeat(700_000) + "\""));
        cases.add(
                new Case(
                        "rerank texts over the total",
                        "POST",
                        RERANK,
                        "{\"model\":\"" + GENERATED + "\",\"query_text\":\"q\",\"texts\":[" + twoMillion + "]}",
                        400,
                        "[rerank] [texts] hold [2100000] characters together; [plugins.cross_encoder.rerank.max_total_text_length] allows at most [2000000]"));
        cases.add(new Case(
                "query_text of 10,001 emoji: counted as characters, not UTF-16 units",
                "POST",
                RERANK,
                rerank("\"model\":" + tiny + ",\"query_text\":\"" + "\uD83D\uDE00".repeat(10_001)
                        + "\",\"texts\":[\"a\"]"),
                400,
                "[rerank] [query_text] is [10001] characters long"));
        cases.add(new Case(
                "rerank query_text 1 MB",
                "POST",
                RERANK,
                rerank("\"model\":" + tiny + ",\"query_text\":\"" + MEGABYTE + "\",\"texts\":[\"a\"]"),
                400,
                "[rerank] [query_text] is [1048576] characters long"));
        cases.add(new Case(
                "too many texts",
                "POST",
                RERANK,
                rerank(ok + ",\"texts\":[" + "\"t\",".repeat(1000) + "\"t\"]"),
                400,
                "[rerank] the number of texts [1001] is too large"));
        cases.add(new Case(
                "rerank body deeply nested",
                "POST",
                RERANK,
                rerank(ok + ",\"texts\":[\"a\"],\"x\":" + nested(2000)),
                400,
                ""));

        // Bodies that are not one JSON object.
        cases.add(new Case(
                "truncated JSON", "POST", SEARCH, rescore("5", valid("")).substring(0, 60), 400, ""));
        cases.add(new Case(
                "trailing content after the body",
                "POST",
                RERANK,
                rerank(ok + ",\"texts\":[\"a\"]") + " {\"x\":1}",
                400,
                "Unexpected token [START_OBJECT] found after the main object."));
        cases.add(new Case("body an array", "POST", RERANK, "[1,2]", 400, ""));
        cases.add(new Case("body empty", "POST", RERANK, null, 400, "body"));

        // Methods and URL parameters the APIs do not have.
        cases.add(new Case("wrong method", "GET", RERANK, null, 405, "GET"));
        cases.add(new Case(
                "stats unknown parameter",
                "GET",
                "/_plugins/cross_encoder/stats?verbose=true",
                null,
                400,
                "unrecognized parameter: [verbose]"));
        cases.add(new Case(
                "models unknown parameter",
                "GET",
                "/_plugins/cross_encoder/models?sort=name",
                null,
                400,
                "unrecognized parameter: [sort]"));
        cases.add(new Case("stats wrong method", "DELETE", "/_plugins/cross_encoder/stats", null, 405, "DELETE"));
        cases.add(new Case("models wrong method", "POST", "/_plugins/cross_encoder/models", null, 405, "POST"));

        // ML Commons models: an id it lacks is its 404 where the node runs it, a 400 where it does not.
        cases.add(new Case(
                "ml model unknown",
                "POST",
                SEARCH,
                rescore("5", crossEncoder("\"ml:noSuchModel0123\"", "\"q\"", "[\"passage\"]", "")),
                unknownMlModelStatus,
                unknownMlModel));
        cases.add(new Case(
                "ml model unknown, rerank",
                "POST",
                RERANK,
                "{\"model\":\"ml:noSuchModel0123\",\"query_text\":\"q\",\"texts\":[\"a\"]}",
                unknownMlModelStatus,
                unknownMlModel));
        return cases;
    }

    @Test
    public void everyBadRequestIsA4xxThatNamesTheProblemAndTheNodeServesOn() throws Exception {
        String reference = rescore("10", valid(""));
        List<String> before = ids(client.ok("POST", SEARCH, reference));
        List<Case> cases = cases();
        assertThat(cases.size(), greaterThanOrEqualTo(20));
        List<String> wrong = new ArrayList<>();
        for (Case c : cases) {
            RestClient.Response response = client.request(c.method(), c.path(), c.body());
            String raw = response.raw().length() > 600 ? response.raw().substring(0, 600) + "..." : response.raw();
            if (response.status() != c.status()) {
                wrong.add(c.name() + ": expected " + c.status() + " but got " + response.status() + ": " + raw);
            } else if (response.raw().contains(c.message()) == false) {
                wrong.add(c.name() + ": no [" + c.message() + "] in " + raw);
            }
        }
        assertTrue(
                wrong.size() + " of " + cases.size() + " cases answered wrongly:\n" + String.join("\n", wrong),
                wrong.isEmpty());

        assertEquals("green", client.ok("GET", "/_cluster/health", null).path("status"));
        assertEquals(before, ids(client.ok("POST", SEARCH, reference)));
    }
}
