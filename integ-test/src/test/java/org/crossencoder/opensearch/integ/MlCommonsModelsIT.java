/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.integ;

import static org.crossencoder.opensearch.integ.CrossEncoderIntegTestCase.testModelsDir;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.matchesPattern;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThat;
import static org.junit.Assert.assertTrue;

import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import org.crossencoder.opensearch.engine.TestModels;
import org.crossencoder.opensearch.eval.NeuralSearchReranker;
import org.junit.Test;

/**
 * A cross-encoder registered in ML Commons, served by this plugin on a two-node cluster whose index has a shard on
 * each node: named {@code ml:<model id>} it ranks exactly as the same files in the models path do, on every path
 * (rescore clause, default model, response processor, {@code _rerank}); undeployed and then deleted in ML Commons,
 * it stops being served and requests get ML Commons' answer as a 4xx naming the model.
 */
public class MlCommonsModelsIT {

    private static final String SCI = "minilm-l6-sci-cross-encoder";
    private static final String QUERY = "vitamin D deficiency raises the risk of bone fractures";
    private static final List<String> PASSAGES = List.of(
            "Low serum vitamin D was associated with a higher incidence of hip fractures in older adults.",
            "Vitamin D supplementation did not reduce fractures in community-dwelling adults without deficiency.",
            "Bone mineral density declines with age, and fractures become more common after menopause.",
            "The risk of fracture was lower among people who took calcium and vitamin D together.",
            "Deficiency of vitamin B12 causes anaemia and neurological symptoms.",
            "Sunlight exposure is the main source of vitamin D for most people.",
            "Fractures of the wrist are common in children who play contact sports.",
            "Vitamin D receptor polymorphisms were not linked to fracture risk in this cohort.",
            "Obesity is associated with a lower risk of hip fracture but a higher risk of ankle fracture.",
            "Serum 25-hydroxyvitamin D below 20 ng/mL defines deficiency in most guidelines.");

    @Test
    public void servesAModelRegisteredInMlCommonsUntilItIsUndeployedAndDeleted() throws Exception {
        TestModels.assumePresent(SCI);
        OpenSearchNode.Preparation seedPytorch = directory -> NeuralSearchReranker.seedPytorch(
                directory,
                Paths.get(System.getProperty("tests.pytorch.native")),
                Paths.get(System.getProperty("tests.pytorch.jni")));
        // ML Commons' deploy passes the model's bytes through the heap several times: with 1 GiB the parent circuit
        // breaker refused its task polls (429) on CI.
        try (TwoNodeCluster cluster =
                TwoNodeCluster.start("mlcommons", List.of(SCI), seedPytorch, List.of(SCI), seedPytorch, "2g")) {
            RestClient client = cluster.client();
            String modelId = NeuralSearchReranker.deploy(client, testModelsDir().resolve(SCI), List.of("passage"));
            String name = "ml:" + modelId;
            client.ok("PUT", "/_cluster/settings", """
                    {"persistent":{"plugins.cross_encoder.ml_commons.check_interval":"1s"}}""");
            StringBuilder bulk = new StringBuilder();
            for (int i = 0; i < PASSAGES.size(); i++) {
                bulk.append("{\"index\":{\"_id\":\"").append(i).append("\"}}\n");
                bulk.append("{\"passage\":\"").append(PASSAGES.get(i)).append("\"}\n");
            }
            cluster.createSpreadIndex("claims", bulk.toString());

            // The rescore clause: both nodes read the model from ML Commons for their shard, and rank as the files do
            // (the model's own scores: a blend normalizes per shard in the rescore clause, over all hits in the
            // processor).
            List<Object> fromFiles = hits(client.ok("POST", "/claims/_search", rescore(SCI)));
            assertEquals(PASSAGES.size(), fromFiles.size());
            assertEquals(fromFiles, hits(client.ok("POST", "/claims/_search", rescore(name))));
            String hash =
                    client.ok("GET", "/_plugins/_ml/models/" + modelId, null).path("model_content_hash_value");
            RestClient.Response models = client.ok("GET", "/_plugins/cross_encoder/models", null);
            assertEquals(models.raw(), Boolean.TRUE, models.path("models." + name + ".consistent"));
            assertEquals(
                    "both nodes serve it, from ML Commons' content: " + models.raw(),
                    2,
                    models.raw().split("\"ml_commons_model_content_hash_value\":\"" + hash + "\"", -1).length - 1);
            assertEquals(
                    "both nodes run both copies, ML Commons' and the directory's, with the last layer at [CLS] only: "
                            + models.raw(),
                    4,
                    models.raw()
                                    .split(
                                            "\"exact_levers\":\\{\"applied\":\\[\"cls_last_layer\"],\"at\":\"load\"}",
                                            -1)
                                    .length
                            - 1);

            // The default model, the response processor and _rerank name it too.
            client.ok(
                    "PUT",
                    "/_cluster/settings",
                    "{\"persistent\":{\"plugins.cross_encoder.default_model\":\"" + name + "\"}}");
            assertEquals(fromFiles, hits(client.ok("POST", "/claims/_search", rescore(null))));
            // A search written for neural-search's rerank processor (its ext) works unchanged with ours.
            client.ok(
                    "PUT",
                    "/_search/pipeline/ml-rerank",
                    "{\"response_processors\":[{\"cross_encoder_rerank\":" + "{\"model\":\"" + name
                            + "\",\"fields\":[\"passage\"],\"score_mode\":\"replace\"}}]}");
            RestClient.Response processed = client.ok(
                    "POST",
                    "/claims/_search?search_pipeline=ml-rerank",
                    "{\"size\":10,\"query\":{\"match\":{\"passage\":\"" + QUERY + "\"}},"
                            + "\"ext\":{\"rerank\":{\"query_context\":{\"query_text\":\"" + QUERY + "\"}}}}");
            assertEquals(fromFiles, hits(processed));
            assertEquals(rerank(client, SCI), rerank(client, name));

            // Undeployed in ML Commons: within the check interval, a 400 naming the model and its state.
            client.ok("POST", "/_plugins/_ml/models/" + modelId + "/_undeploy", null);
            RestClient.Response undeployed = awaitStatus(client, name, 400);
            // ML Commons' own sync job may record an undeploy on two nodes as DEPLOY_FAILED before UNDEPLOYED (seen
            // on CI): the message names whichever state ML Commons holds, never DEPLOYED.
            assertThat(
                    undeployed.raw(),
                    matchesPattern(
                            "(?s).*ML Commons model \\[" + modelId
                                    + "\\] is \\[(UNDEPLOYED|DEPLOY_FAILED|PARTIALLY_DEPLOYED)\\] in ML Commons, not deployed.*"));
            // Each node checks ML Commons on its own clock: the other one drops the model within its interval too.
            await(
                    "a node still serves it",
                    () -> client.ok("GET", "/_plugins/cross_encoder/models", null),
                    response -> response.raw().contains(hash) == false);

            // Deleted: a 404 naming it.
            client.ok("DELETE", "/_plugins/_ml/models/" + modelId, null);
            RestClient.Response deleted = client.request("POST", "/claims/_search", rescore(name));
            assertEquals(deleted.raw(), 404, deleted.status());
            assertThat(deleted.raw(), containsString("ML Commons has no model [" + modelId + "]"));
            RestClient.Response deletedRerank =
                    client.request("POST", "/_plugins/cross_encoder/_rerank", rerankBody(name));
            assertEquals(deletedRerank.raw(), 404, deletedRerank.status());
        }
    }

    private static String rescore(String model) {
        return "{\"size\":10,\"query\":{\"match\":{\"passage\":\"" + QUERY + "\"}},"
                + "\"rescore\":{\"window_size\":10,\"cross_encoder\":{"
                + (model == null ? "" : "\"model\":\"" + model + "\",")
                + "\"query_text\":\"" + QUERY + "\",\"fields\":[\"passage\"],\"score_mode\":\"replace\"}}}";
    }

    private static List<Object> hits(RestClient.Response response) {
        return response.hitIdsAndScores();
    }

    private static String rerankBody(String model) {
        StringBuilder texts = new StringBuilder();
        for (String passage : PASSAGES) {
            texts.append(texts.isEmpty() ? "" : ",").append('"').append(passage).append('"');
        }
        return "{\"model\":\"" + model + "\",\"query_text\":\"" + QUERY + "\",\"texts\":[" + texts + "]}";
    }

    private static Object rerank(RestClient client, String model) throws Exception {
        return client.ok("POST", "/_plugins/cross_encoder/_rerank", rerankBody(model))
                .path("results");
    }

    private static RestClient.Response awaitStatus(RestClient client, String model, int status) throws Exception {
        return await(
                "still not " + status,
                () -> client.request("POST", "/claims/_search", rescore(model)),
                response -> response.status() == status);
    }

    /** Asks until the answer is the one awaited, for at most a minute. */
    private static RestClient.Response await(
            String failure, Callable<RestClient.Response> ask, Predicate<RestClient.Response> awaited)
            throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (true) {
            RestClient.Response response = ask.call();
            if (awaited.test(response)) {
                return response;
            }
            assertTrue(
                    failure + " (" + response.status() + "): " + response.raw(),
                    Instant.now().isBefore(deadline));
            Thread.sleep(500);
        }
    }
}
