/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.integ;

import static org.crossencoder.opensearch.integ.CrossEncoderIntegTestCase.TINY_BERT;
import static org.crossencoder.opensearch.integ.CrossEncoderIntegTestCase.TINY_XLM_ROBERTA;
import static org.crossencoder.opensearch.integ.CrossEncoderIntegTestCase.testModelsDir;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThat;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.crossencoder.opensearch.engine.CrossEncoderModel;
import org.crossencoder.opensearch.engine.TestModels;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * Adding, replacing and removing models on a running two-node cluster with {@code _reload}, while a client keeps
 * searching across both nodes' shards: no search fails, and every search ranks all its hits with one version.
 */
public class ReloadIT {

    private static final String LIVE = "live";
    private static final String ADDED = "added";
    private static TwoNodeCluster cluster;
    private static OpenSearchNode nodeA;
    private static OpenSearchNode nodeB;
    private static RestClient client;

    @BeforeClass
    public static void startCluster() throws Exception {
        TestModels.assumePresent(TINY_BERT, TINY_XLM_ROBERTA);
        OpenSearchNode.Preparation live = directory -> copyModel(
                TINY_BERT, directory.resolve("config/cross-encoder-models").resolve(LIVE));
        cluster = TwoNodeCluster.start("reload", List.of(), live, List.of(), live);
        nodeA = cluster.a();
        nodeB = cluster.b();
        client = cluster.client();
        StringBuilder bulk = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            bulk.append("{\"index\":{\"_id\":\"")
                    .append(i)
                    .append("\"}}\n{\"passage\":\"people live in city ")
                    .append(i)
                    .append(" of berlin\"}\n");
        }
        cluster.createSpreadIndex("reloading", bulk.toString());
    }

    @AfterClass
    public static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static void copyModel(String testModel, Path target) throws IOException {
        Files.createDirectories(target);
        for (String file : List.of("model.onnx", "tokenizer.json")) {
            Files.copy(
                    testModelsDir().resolve(testModel).resolve(file),
                    target.resolve(file),
                    StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void onBothNodes(IoAction action) throws IOException {
        action.run(nodeA.modelsPath());
        action.run(nodeB.modelsPath());
    }

    private interface IoAction {
        void run(Path modelsPath) throws IOException;
    }

    private static String search(String model) {
        return "{\"size\":20,\"query\":{\"match\":{\"passage\":\"people\"}},\"rescore\":{\"window_size\":20,"
                + "\"cross_encoder\":{\"model\":\"" + model
                + "\",\"query_text\":\"berlin\",\"fields\":[\"passage\"],\"score_mode\":\"replace\"}}}"; // which
        // version's
        // logits
    }

    /** The reload's changes, as {@code node name -> model -> change}. */
    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, String>> reload() throws IOException {
        RestClient.Response response = client.ok("POST", "/_plugins/cross_encoder/models/_reload", null);
        assertEquals(response.raw(), 2, (int) response.path("_nodes.successful"));
        Map<String, Map<String, String>> changes = new ConcurrentHashMap<>();
        ((Map<String, Map<String, Object>>) response.path("nodes")).values().forEach(node -> {
            Map<String, String> models = new ConcurrentHashMap<>();
            ((List<Map<String, Object>>) node.get("models"))
                    .forEach(m -> models.put((String) m.get("name"), (String) m.get("change")));
            changes.put((String) node.get("name"), models);
        });
        return changes;
    }

    @Test
    @SuppressWarnings("unchecked")
    public void modelsComeAndGoWhileSearchesRunAndNoneFailsOrMixesVersions() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger searches = new AtomicInteger();
        List<String> problems = new CopyOnWriteArrayList<>();
        List<String> versionsSeen = new CopyOnWriteArrayList<>();
        try (CrossEncoderModel bert = CrossEncoderModel.load(
                        TINY_BERT, testModelsDir().resolve(TINY_BERT), new CrossEncoderModel.InferenceOptions(8, 1));
                CrossEncoderModel xlm = CrossEncoderModel.load(
                        TINY_XLM_ROBERTA,
                        testModelsDir().resolve(TINY_XLM_ROBERTA),
                        new CrossEncoderModel.InferenceOptions(8, 1))) {
            Map<String, float[]> expected = new ConcurrentHashMap<>();
            CompletableFuture<Void> searcher = CompletableFuture.runAsync(() -> {
                while (stop.get() == false) {
                    try {
                        RestClient.Response response = client.request("POST", "/reloading/_search", search(LIVE));
                        searches.incrementAndGet();
                        if (response.status() != 200 || ((Number) response.path("_shards.failed")).intValue() != 0) {
                            problems.add(response.status() + " " + response.raw());
                            continue;
                        }
                        boolean allBert = true;
                        boolean allXlm = true;
                        for (Map<String, Object> hit : (List<Map<String, Object>>) response.path("hits.hits")) {
                            String passage = (String) ((Map<String, Object>) hit.get("_source")).get("passage");
                            float[] both = expected.computeIfAbsent(passage, p -> {
                                try {
                                    return new float[] {
                                        bert.score("berlin", List.of(p))[0], xlm.score("berlin", List.of(p))[0]
                                    };
                                } catch (Exception e) {
                                    throw new IllegalStateException(e);
                                }
                            });
                            float score = ((Number) hit.get("_score")).floatValue();
                            allBert &= Math.abs(score - both[0]) < 1e-4;
                            allXlm &= Math.abs(score - both[1]) < 1e-4;
                        }
                        if (allBert == allXlm) {
                            problems.add("hits of neither or both versions: " + response.raw());
                        } else {
                            String version = allBert ? TINY_BERT : TINY_XLM_ROBERTA;
                            if (versionsSeen.isEmpty()
                                    || versionsSeen.get(versionsSeen.size() - 1).equals(version) == false) {
                                versionsSeen.add(version);
                            }
                        }
                    } catch (IOException e) {
                        problems.add(e.toString());
                    }
                }
            });
            try {
                awaitSearches(searches, 5);

                onBothNodes(path -> copyModel(TINY_BERT, path.resolve(ADDED)));
                Map<String, Map<String, String>> added = reload();
                assertEquals(Map.of(ADDED, "loaded", LIVE, "unchanged"), added.get("reload-a"));
                assertEquals(Map.of(ADDED, "loaded", LIVE, "unchanged"), added.get("reload-b"));
                assertEquals(
                        200,
                        client.request("POST", "/reloading/_search", search(ADDED))
                                .status());
                awaitSearches(searches, searches.get() + 5);

                onBothNodes(path -> copyModel(TINY_XLM_ROBERTA, path.resolve(LIVE)));
                Map<String, Map<String, String>> replaced = reload();
                assertEquals("replaced", replaced.get("reload-a").get(LIVE));
                assertEquals("replaced", replaced.get("reload-b").get(LIVE));
                awaitSearches(searches, searches.get() + 5);

                onBothNodes(path -> OpenSearchNode.deleteRecursively(path.resolve(ADDED)));
                Map<String, Map<String, String>> removed = reload();
                assertEquals("removed", removed.get("reload-a").get(ADDED));
                RestClient.Response gone = client.request("POST", "/reloading/_search", search(ADDED));
                assertEquals(gone.raw(), 404, gone.status());
                assertThat(gone.raw(), containsString("unknown cross-encoder model [" + ADDED + "]"));
                awaitSearches(searches, searches.get() + 5);
            } finally {
                stop.set(true);
                searcher.get(60, TimeUnit.SECONDS);
            }
        }
        assertTrue(
                problems.size() + " of " + searches.get() + " searches failed or mixed versions:\n"
                        + String.join("\n", problems),
                problems.isEmpty());
        assertThat(searches.get(), greaterThan(20));
        assertEquals(
                "the searches saw the old version, then only the new one",
                List.of(TINY_BERT, TINY_XLM_ROBERTA),
                versionsSeen);
    }

    @Test
    public void aReloadReportsAModelThatFailsToLoadAndKeepsTheOthers() throws Exception {
        Path broken = nodeB.modelsPath().resolve("broken-on-b");
        Files.createDirectories(broken);
        Files.writeString(broken.resolve("model.onnx"), "not an onnx model");
        Files.copy(testModelsDir().resolve(TINY_BERT).resolve("tokenizer.json"), broken.resolve("tokenizer.json"));
        try {
            RestClient.Response response = client.ok("POST", "/_plugins/cross_encoder/reload-b/models/_reload", null);
            assertEquals(1, (int) response.path("_nodes.successful"));
            assertThat(response.raw(), containsString("\"name\":\"broken-on-b\",\"change\":\"failed\",\"error\":"));
            assertEquals(
                    200,
                    client.request("POST", "/reloading/_search", search(LIVE)).status());
        } finally {
            OpenSearchNode.deleteRecursively(broken);
            client.ok("POST", "/_plugins/cross_encoder/models/_reload", null);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    public void aModelTakesItsOwnBatchesAtAReloadWithoutARestart() throws Exception {
        String name = "own-batches";
        try {
            onBothNodes(models -> copyModel(TINY_BERT, models.resolve(name)));
            reload();
            List<Object> before = hitIds(client.ok("POST", "/reloading/_search", search(name)));
            onBothNodes(models -> Files.writeString(
                    models.resolve(name).resolve("cross-encoder.json"),
                    "{\"inference\":{\"batch_size\":2,\"batch_tokens\":128,\"spinning\":\"off\"}}"));
            assertEquals(
                    "a changed cross-encoder.json loads the model again",
                    Set.of("replaced"),
                    Set.copyOf(reload().values().stream()
                            .map(models -> models.get(name))
                            .toList()));
            RestClient.Response listed = client.ok("GET", "/_plugins/cross_encoder/models", null);
            assertEquals(listed.raw(), Boolean.TRUE, listed.path("models." + name + ".consistent"));
            Map<String, Map<String, Object>> nodes = listed.path("nodes");
            assertEquals(2, nodes.size());
            for (Map<String, Object> node : nodes.values()) {
                Map<String, Object> model = ((List<Map<String, Object>>) node.get("models"))
                        .stream()
                                .filter(m -> name.equals(m.get("name")))
                                .findFirst()
                                .orElseThrow();
                assertEquals(
                        listed.raw(),
                        Map.of("batch_size", 2, "batch_tokens", 128, "spinning", "off"),
                        model.get("inference"));
            }
            assertEquals(
                    "batches of two rank as batches of the node's size",
                    before,
                    hitIds(client.ok("POST", "/reloading/_search", search(name))));
        } finally {
            onBothNodes(models -> OpenSearchNode.deleteRecursively(models.resolve(name)));
            reload();
        }
    }

    private static List<Object> hitIds(RestClient.Response search) {
        List<Map<String, Object>> hits = search.path("hits.hits");
        return hits.stream().map(hit -> hit.get("_id")).toList();
    }

    private static void awaitSearches(AtomicInteger searches, int atLeast) throws InterruptedException {
        for (int i = 0; i < 600 && searches.get() < atLeast; i++) {
            Thread.sleep(50);
        }
    }
}
