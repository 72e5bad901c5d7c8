/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.integ;

import static org.junit.Assert.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.Test;

/**
 * What counts as query text on a real node: characters as a user counts them (an emoji is one, not two UTF-16 units),
 * and only visible ones (a text of zero-width characters is refused as a blank one is: see {@link BadInputIT}).
 */
public class QueryTextIT extends CrossEncoderIntegTestCase {

    @Test
    public void theLengthLimitCountsCharactersNotUtf16Units() throws Exception {
        client.ok(
                "PUT", "/_cluster/settings", "{\"transient\":{\"plugins.cross_encoder.max_query_text_length\":9000}}");
        try {
            String emoji = "\uD83D\uDE00".repeat(9_000);
            RestClient.Response accepted = client.ok(
                    "POST",
                    "/_plugins/cross_encoder/_rerank",
                    "{\"model\":\"" + GENERATED + "\",\"query_text\":\"" + emoji + "\",\"texts\":[\"berlin\"]}");
            List<Map<String, Object>> results = accepted.path("results");
            assertEquals("9,000 emoji are 9,000 characters, within the limit of 9,000", 1, results.size());
            assertRefused(
                    400,
                    "[rerank] [query_text] is [9001] characters long; [plugins.cross_encoder.max_query_text_length] allows"
                            + " at most [9000]",
                    "POST",
                    "/_plugins/cross_encoder/_rerank",
                    "{\"model\":\"" + GENERATED + "\",\"query_text\":\"" + emoji + "x\",\"texts\":[\"berlin\"]}");
        } finally {
            client.ok(
                    "PUT",
                    "/_cluster/settings",
                    "{\"transient\":{\"plugins.cross_encoder.max_query_text_length\":null}}");
        }
    }
}
