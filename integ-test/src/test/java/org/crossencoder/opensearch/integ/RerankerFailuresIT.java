/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.integ;

import static org.crossencoder.opensearch.integ.CrossEncoderIntegTestCase.BROKEN;
import static org.crossencoder.opensearch.integ.CrossEncoderIntegTestCase.GENERATED;
import static org.crossencoder.opensearch.integ.CrossEncoderIntegTestCase.MINILM_SHAPE;
import static org.crossencoder.opensearch.integ.CrossEncoderIntegTestCase.testModelsDir;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.crossencoder.opensearch.engine.TestModels;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * When the model fails, the search need not: with {@code allow_reranker_failures}, every search path (the rescore
 * clause, {@code cross_encoder_rescore}, {@code cross_encoder_rerank} on the coordinator, and the global window scoring
 * on the data nodes) answers a missing model, one that failed to load, one that throws, and a full inference queue with
 * the first-stage hits and scores, says so (a warning header from the shards, {@code ext.cross_encoder_rerank} from the
 * response processor) and counts a first-stage fallback of that kind. Without it, the same searches fail with the
 * cause's status, each failure counted under {@code errors_by_kind}.
 * <p>
 * The node scores with one thread and a queue of one, so two long {@code _rerank} calls fill it; every search uses the
 * default model, which the test points at each cause in turn.
 */
public class RerankerFailuresIT {

    /** The generated model with a tokenizer that gives "berlin" an id past its embeddings: ONNX Runtime throws. */
    private static final String THROWING = "throwing-model";

    private static final String INDEX = "failures";
    private static final String QUERY = "how many people live in berlin";
    private static final String FIRST_STAGE =
            "{\"size\":5,\"query\":{\"match\":{\"passage\":\"berlin people\"}}" + "%s}";

    private static OpenSearchNode node;
    private static RestClient client;

    @BeforeClass
    public static void startNode() throws Exception {
        List<String> models = new ArrayList<>(List.of(GENERATED));
        if (TestModels.present(MINILM_SHAPE)) {
            models.add(MINILM_SHAPE);
        }
        node = OpenSearchNode.start(
                "failures",
                testModelsDir(),
                models,
                Map.of(
                        "discovery.type", "single-node",
                        "thread_pool.cross_encoder_inference.size", "1",
                        "thread_pool.cross_encoder_inference.queue_size", "1",
                        "plugins.cross_encoder.cache.size", "0b"),
                "768m",
                directory -> {
                    Path modelsPath = directory.resolve("config/cross-encoder-models");
                    Path broken = Files.createDirectories(modelsPath.resolve(BROKEN));
                    Files.writeString(broken.resolve("model.onnx"), "not an onnx model");
                    Files.copy(TestModels.dir(GENERATED).resolve("tokenizer.json"), broken.resolve("tokenizer.json"));
                    Path throwing = Files.createDirectories(modelsPath.resolve(THROWING));
                    Files.copy(TestModels.dir(GENERATED).resolve("model.onnx"), throwing.resolve("model.onnx"));
                    String tokenizer =
                            Files.readString(TestModels.dir(GENERATED).resolve("tokenizer.json"));
                    Files.writeString(
                            throwing.resolve("tokenizer.json"),
                            tokenizer.replaceFirst("\"berlin\":\\d+", "\"berlin\":100000"));
                });
        client = node.client();
        StringBuilder bulk = new StringBuilder();
        String[] words = {"berlin", "people", "population", "city", "museum", "live"};
        for (int i = 0; i < 12; i++) {
            bulk.append("{\"index\":{\"_id\":\"d").append(i).append("\"}}\n{\"passage\":\"");
            for (int w = 0; w < 2 + i % 4; w++) {
                bulk.append(words[(i + w * 3) % words.length]).append(' ');
            }
            bulk.append("doc ").append(i).append("\"}\n");
        }
        client.ok(
                "PUT",
                "/" + INDEX,
                "{\"settings\":{\"number_of_shards\":2,\"number_of_replicas\":0},"
                        + "\"mappings\":{\"properties\":{\"passage\":{\"type\":\"text\"}}}}");
        client.ok("POST", "/" + INDEX + "/_bulk?refresh=true", bulk.toString());
        for (boolean allow : new boolean[] {true, false}) {
            String option = ",\"allow_reranker_failures\":" + allow;
            client.ok(
                    "PUT",
                    "/_search/pipeline/rescore-" + allow,
                    "{\"request_processors\":[{\"cross_encoder_rescore\":{\"fields\":[\"passage\"]" + option + "}}]}");
            client.ok(
                    "PUT",
                    "/_search/pipeline/rerank-" + allow,
                    "{\"response_processors\":[{\"cross_encoder_rerank\":{\"fields\":[\"passage\"]" + option + "}}]}");
            client.ok(
                    "PUT",
                    "/_search/pipeline/window-" + allow,
                    "{\"request_processors\":[{\"cross_encoder_window\":{\"window_size\":10}}],"
                            + "\"response_processors\":[{\"cross_encoder_rerank\":{\"fields\":[\"passage\"],"
                            + "\"score_on\":\"data_nodes\"" + option + "}}]}");
        }
    }

    @AfterClass
    public static void stopNode() {
        if (node != null) {
            node.close();
        }
    }

    /** One way a search reaches the reranker, with or without {@code allow_reranker_failures}. */
    private record SearchPath(String name, String path, String body) {}

    private static List<SearchPath> paths(boolean allow) {
        String ext = ",\"ext\":{\"cross_encoder\":{\"query_text\":\"" + QUERY + "\"}}";
        String search = "/" + INDEX + "/_search";
        return List.of(
                new SearchPath(
                        "rescore clause",
                        search,
                        String.format(
                                java.util.Locale.ROOT,
                                FIRST_STAGE,
                                ",\"rescore\":{\"window_size\":10,\"cross_encoder\":{\"query_text\":\"" + QUERY
                                        + "\",\"fields\":[\"passage\"],\"allow_reranker_failures\":" + allow + "}}")),
                new SearchPath(
                        "cross_encoder_rescore",
                        search + "?search_pipeline=rescore-" + allow,
                        String.format(java.util.Locale.ROOT, FIRST_STAGE, ext)),
                new SearchPath(
                        "cross_encoder_rerank",
                        search + "?search_pipeline=rerank-" + allow,
                        String.format(java.util.Locale.ROOT, FIRST_STAGE, ext)),
                new SearchPath(
                        "global window on the data nodes",
                        search + "?search_pipeline=window-" + allow,
                        String.format(java.util.Locale.ROOT, FIRST_STAGE, ext)));
    }

    private static void useDefaultModel(String model) throws Exception {
        client.ok(
                "PUT",
                "/_cluster/settings",
                "{\"transient\":{\"plugins.cross_encoder.default_model\":\"" + model + "\"}}");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> inference() throws Exception {
        Map<String, Map<String, Object>> nodes =
                client.ok("GET", "/_plugins/cross_encoder/stats", null).path("nodes");
        return (Map<String, Object>) nodes.values().iterator().next().get("inference");
    }

    @SuppressWarnings("unchecked")
    private static long count(Map<String, Object> inference, String byKind, String kind) {
        return ((Number) ((Map<String, Object>) inference.get(byKind)).get(kind)).longValue();
    }

    /**
     * Each path with the option answers the first stage and says why; without it, fails with {@code status}; and the
     * stats count both.
     */
    private static void assertEveryPathFallsBackOrFails(String kind, int status, String reason) throws Exception {
        List<Object> firstStage = client.ok(
                        "POST", "/" + INDEX + "/_search", String.format(java.util.Locale.ROOT, FIRST_STAGE, ""))
                .hitIdsAndScores();
        Map<String, Object> before = inference();
        for (SearchPath path : paths(true)) {
            RestClient.Response response = client.ok("POST", path.path(), path.body());
            String what = kind + ", " + path.name() + ": " + response.raw();
            assertEquals(what, firstStage, response.hitIdsAndScores());
            assertEquals(what, 0, (int) response.path("_shards.failed"));
            assertEquals(what, kind, response.path("ext.cross_encoder_reranking.kind"));
            assertEquals(what, false, response.path("ext.cross_encoder_reranking.reranked"));
            assertEquals(what, 5, (int) response.path("ext.cross_encoder_reranking.not_reranked_hits"));
            assertThat(what, response.path("ext.cross_encoder_reranking.reason"), containsString(reason));
            assertThat(what, response.raw(), not(containsString("_cross_encoder_not_reranked")));
        }
        for (SearchPath path : paths(false)) {
            RestClient.Response response = client.request("POST", path.path(), path.body());
            String what = kind + ", " + path.name() + " without the option: " + response.raw();
            assertEquals(what, status, response.status());
            assertThat(what, response.raw(), containsString(reason));
        }
        Map<String, Object> after = inference();
        assertThat(
                kind + " fallbacks",
                count(after, "first_stage_fallbacks_by_kind", kind),
                greaterThanOrEqualTo(count(before, "first_stage_fallbacks_by_kind", kind) + 4));
        assertThat(
                kind + " errors",
                count(after, "errors_by_kind", kind),
                greaterThanOrEqualTo(count(before, "errors_by_kind", kind) + 4));
        assertThat(
                ((Number) after.get("errors")).longValue(), greaterThan(((Number) before.get("errors")).longValue()));
    }

    @Test
    public void aMissingModel() throws Exception {
        useDefaultModel("no-such-model");
        assertEveryPathFallsBackOrFails("model_not_found", 404, "unknown cross-encoder model [no-such-model]");
    }

    @Test
    public void aModelThatFailedToLoad() throws Exception {
        useDefaultModel(BROKEN);
        assertEveryPathFallsBackOrFails("model_unavailable", 503, "failed to load");
    }

    @Test
    public void aModelThatThrows() throws Exception {
        useDefaultModel(THROWING);
        assertEveryPathFallsBackOrFails("model_error", 500, "cross-encoder model [" + THROWING + "] failed to run");
    }

    @Test
    public void aFullInferenceQueue() throws Exception {
        TestModels.assumePresent(MINILM_SHAPE); // a model slow enough to hold the only inference thread meanwhile
        useDefaultModel(GENERATED);
        StringBuilder texts = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            texts.append(i == 0 ? "" : ",")
                    .append("\"a passage about the people who live in a large city and visit its museums, number ")
                    .append(i)
                    .append("\"");
        }
        String body = "{\"model\":\"" + MINILM_SHAPE + "\",\"query_text\":\"" + QUERY + "\",\"texts\":[" + texts + "]}";
        List<CompletableFuture<RestClient.Response>> longReranks = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            longReranks.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return client.request("POST", "/_plugins/cross_encoder/_rerank", body);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (((Number) inference().get("running")).intValue()
                        + ((Number) inference().get("waiting")).intValue()
                < 2) {
            assertThat("both long reranks arrived", System.nanoTime(), not(greaterThan(deadline)));
            Thread.sleep(20);
        }
        assertEveryPathFallsBackOrFails("queue_full", 429, "cross-encoder inference on node [failures] is full");
        assertEquals(
                "the long reranks were there all along",
                2,
                ((Number) inference().get("running")).intValue()
                        + ((Number) inference().get("waiting")).intValue());
        for (CompletableFuture<RestClient.Response> longRerank : longReranks) {
            assertEquals(200, longRerank.get().status());
        }
    }

    /** DJL's own messages (it logs through SLF4J) reach the node's log, as any plugin's do. */
    @Test
    public void theTokenizerLibraryLogsThroughOpenSearch() throws Exception {
        assertThat(Files.readString(node.logFile()), containsString("[a.d.u.Platform"));
    }
}
