/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.eval;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import org.crossencoder.opensearch.integ.OpenSearchNode;
import org.crossencoder.opensearch.integ.RestClient;

/**
 * The node the soak and load runs measure: one model of the test models ({@code -Deval.model}), the score
 * cache off so that every pair reaches the model, and a collection ({@code -Deval.dataset}) indexed as the
 * relevance evaluation indexes it. Reads the node process's memory as it goes.
 */
final class SoakNode implements Closeable {

    /** The node's resident memory (VmRSS: heap, which OpenSearch pre-touches, plus everything off-heap) and heap in use. */
    record Memory(long residentMib, long heapUsedMib) {}

    private final OpenSearchNode node;
    private final RelevanceEvaluation.Config config;
    private final RelevanceEvaluation evaluation;
    private final long pid;

    private SoakNode(OpenSearchNode node, RelevanceEvaluation.Config config) throws IOException {
        this.node = node;
        this.config = config;
        this.evaluation = new RelevanceEvaluation(node.client(), config);
        evaluation.index();
        Map<String, Map<String, Object>> nodes =
                node.client().ok("GET", "/_nodes/_local/process", null).path("nodes");
        this.pid = ((Number) ((Map<?, ?>) nodes.values().iterator().next().get("process")).get("id")).longValue();
    }

    static SoakNode start(String name, String defaultModel, int window, String outputName) throws Exception {
        Path datasets = Paths.get(System.getProperty("eval.datasets.dir"));
        String dataset = System.getProperty("eval.dataset", "trec-dl-2019-passage-subset");
        Path modelDir = Paths.get(System.getProperty("tests.models.dir"))
                .resolve(System.getProperty("eval.model", defaultModel));
        RelevanceEvaluation.Config config = new RelevanceEvaluation.Config(
                BeirCollection.load(datasets.resolve(dataset), "test"),
                "test",
                modelDir.getParent(),
                modelDir.getFileName().toString(),
                Integer.MAX_VALUE,
                window,
                Paths.get(System.getProperty("eval.output")).resolve(outputName),
                Paths.get(System.getProperty("eval.report")),
                null,
                null);
        OpenSearchNode node = OpenSearchNode.start(
                name,
                config.modelsSource(),
                List.of(config.model()),
                Map.of("discovery.type", "single-node", "plugins.cross_encoder.cache.size", "0b"));
        try {
            return new SoakNode(node, config);
        } catch (IOException | RuntimeException e) {
            node.close();
            throw e;
        }
    }

    RestClient client() {
        return node.client();
    }

    RelevanceEvaluation.Config config() {
        return config;
    }

    RelevanceEvaluation evaluation() {
        return evaluation;
    }

    @SuppressWarnings("unchecked")
    Memory memory() throws IOException {
        long residentKib = 0;
        for (String line : Files.readAllLines(Paths.get("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                residentKib = Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        Map<String, Map<String, Object>> jvm =
                client().ok("GET", "/_nodes/_local/stats/jvm", null).path("nodes");
        Map<String, Object> mem = (Map<String, Object>)
                ((Map<String, Object>) jvm.values().iterator().next().get("jvm")).get("mem");
        return new Memory(residentKib / 1024, ((Number) mem.get("heap_used_in_bytes")).longValue() >> 20);
    }

    @Override
    public void close() {
        node.close();
    }
}
