/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.integ;

import static org.crossencoder.opensearch.integ.CrossEncoderIntegTestCase.TINY_BERT;
import static org.crossencoder.opensearch.integ.CrossEncoderIntegTestCase.testModelsDir;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.crossencoder.opensearch.engine.TestModels;
import org.crossencoder.opensearch.eval.NeuralSearchReranker;
import org.junit.Test;

/**
 * ML Commons runs its own copy of DJL in the same JVM. This plugin loads its first models, DJL's native tokenizer
 * library with them, while ML Commons deploys a model: both succeed, and both then score the same pairs alike.
 */
public class MlCommonsCoexistenceIT {

    private static final List<String> TEXTS = List.of(
            "Berlin has a population of 3,520,031 registered inhabitants.",
            "New York City is famous for the Metropolitan Museum of Art.",
            "");

    @Test
    public void loadsItsModelsWhileMlCommonsDeploysOneAndScoresLikeIt() throws Exception {
        TestModels.assumePresent(TINY_BERT);
        // No model at start: the first one, and DJL's library, load through _reload, during ML Commons' deploy.
        try (OpenSearchNode node = OpenSearchNode.start(
                "coexistence",
                testModelsDir(),
                List.of(),
                Map.of("discovery.type", "single-node"),
                // ML Commons' deploy passes the model's bytes through the heap several times: with 1 GiB the parent
                // circuit breaker refused its _predict (429) on CI.
                "2g",
                directory -> NeuralSearchReranker.seedPytorch(
                        directory,
                        Paths.get(System.getProperty("tests.pytorch.native")),
                        Paths.get(System.getProperty("tests.pytorch.jni"))))) {
            RestClient client = node.client();
            CompletableFuture<String> mlCommons = CompletableFuture.supplyAsync(() -> {
                try {
                    return NeuralSearchReranker.deploy(client, testModelsDir().resolve(TINY_BERT), List.of("text"));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            int reloads = 0;
            do {
                // Every model stays resident until unloaded: keep copy-0 (scored below) and the newest one only, so a
                // slow deploy does not pile up copies.
                if (reloads > 1) {
                    OpenSearchNode.deleteRecursively(node.modelsPath().resolve("copy-" + (reloads - 1)));
                }
                copyModel(testModelsDir().resolve(TINY_BERT), node.modelsPath().resolve("copy-" + reloads));
                RestClient.Response reload = client.ok("POST", "/_plugins/cross_encoder/models/_reload", null);
                assertTrue(reload.raw(), reload.raw().contains("\"change\":\"loaded\""));
                assertEquals(reload.raw(), false, reload.raw().contains("\"change\":\"failed\""));
                reloads++;
            } while (mlCommons.isDone() == false || reloads < 2);
            String modelId = mlCommons.join();

            RestClient.Response ours = client.ok("POST", "/_plugins/cross_encoder/_rerank", """
                    {"model":"copy-0","query_text":"how many people live in berlin?",
                     "texts":["Berlin has a population of 3,520,031 registered inhabitants.",
                              "New York City is famous for the Metropolitan Museum of Art.",""]}""");
            RestClient.Response theirs = client.ok("POST", "/_plugins/_ml/models/" + modelId + "/_predict", """
                    {"query_text":"how many people live in berlin?",
                     "text_docs":["Berlin has a population of 3,520,031 registered inhabitants.",
                                  "New York City is famous for the Metropolitan Museum of Art.",""]}""");
            List<Float> ourScores = new ArrayList<>(List.of(Float.NaN, Float.NaN, Float.NaN));
            for (int rank = 0; rank < TEXTS.size(); rank++) {
                int index = ours.path("results." + rank + ".index");
                ourScores.set(index, ((Number) ours.path("results." + rank + ".score")).floatValue());
            }
            for (int i = 0; i < TEXTS.size(); i++) {
                float mlCommonsScore =
                        ((Number) theirs.path("inference_results." + i + ".output.0.data.0")).floatValue();
                assertEquals("text " + i, mlCommonsScore, ourScores.get(i), 1e-4f);
            }
        }
    }

    private static void copyModel(Path from, Path to) throws Exception {
        Files.createDirectories(to);
        for (String file : List.of("model.onnx", "tokenizer.json")) {
            Files.copy(from.resolve(file), to.resolve(file));
        }
    }
}
