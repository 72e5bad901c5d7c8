/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.integ;

import static org.crossencoder.opensearch.integ.CrossEncoderIntegTestCase.MINILM_SHAPE;
import static org.crossencoder.opensearch.integ.CrossEncoderIntegTestCase.testModelsDir;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThat;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.crossencoder.opensearch.engine.TestModels;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

/** A node whose inference queue holds one request: a burst beyond it is refused with 429, and the node serves on. */
public class InferenceQueueIT {

    private static OpenSearchNode node;

    @BeforeClass
    public static void startNode() throws Exception {
        TestModels.assumePresent(MINILM_SHAPE);
        node = OpenSearchNode.start(
                "small-queue",
                testModelsDir(),
                List.of(MINILM_SHAPE),
                // No score cache: every request of the burst must reach the model.
                Map.of(
                        "discovery.type",
                        "single-node",
                        "thread_pool.cross_encoder_inference.queue_size",
                        "1",
                        "plugins.cross_encoder.cache.size",
                        "0b"));
    }

    @AfterClass
    public static void stopNode() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    public void aBurstBeyondTheQueueIsRejectedCleanly() throws Exception {
        StringBuilder texts = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            texts.append(i == 0 ? "" : ",")
                    .append("\"a passage about people who live in a city, number ")
                    .append(i)
                    .append("\"");
        }
        String body = "{\"model\":\"" + MINILM_SHAPE
                + "\",\"query_text\":\"how many people live in berlin\",\"texts\":[" + texts + "]}";
        ExecutorService clients = Executors.newFixedThreadPool(6);
        List<Future<RestClient.Response>> responses = new ArrayList<>();
        try {
            for (int i = 0; i < 6; i++) {
                responses.add(
                        clients.submit(() -> node.client().request("POST", "/_plugins/cross_encoder/_rerank", body)));
            }
            int ok = 0, rejected = 0;
            for (Future<RestClient.Response> response : responses) {
                RestClient.Response r = response.get();
                if (r.status() == 200) {
                    ok++;
                } else {
                    assertEquals(r.raw(), 429, r.status());
                    assertThat(r.raw(), containsString("cross-encoder inference on node [small-queue] is full"));
                    assertThat(r.raw(), containsString("[thread_pool.cross_encoder_inference.queue_size] allows (1)"));
                    rejected++;
                }
            }
            // One runs, one waits in the queue; of six sent at once, at least one more is refused.
            assertThat(ok, greaterThan(0));
            assertThat(rejected, greaterThan(0));
        } finally {
            clients.shutdown();
        }
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> nodes =
                node.client().ok("GET", "/_plugins/cross_encoder/stats", null).path("nodes");
        Map<?, ?> inference = (Map<?, ?>) nodes.values().iterator().next().get("inference");
        assertThat(((Number) inference.get("queue_rejections")).intValue(), greaterThan(0));
        assertTrue(
                "the node still serves",
                node.client()
                                .request("POST", "/_plugins/cross_encoder/_rerank", body)
                                .status()
                        == 200);
    }
}
