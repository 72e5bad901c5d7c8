/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.eval;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.crossencoder.opensearch.integ.RestClient;

/**
 * Does a node's memory grow with the number of reranked searches? Starts a real node with one model and the
 * score cache off (so every search runs the model), indexes a collection, and runs many BM25 + cross_encoder
 * searches, sampling the node process's resident memory and heap as it goes. The node pre-touches its whole
 * heap at start (OpenSearch's {@code -XX:+AlwaysPreTouch}), so resident growth is off-heap: ONNX Runtime,
 * the tokenizer, threads, metaspace. Writes its table into {@code docs/benchmarks/results/}.
 *
 * <pre>scripts/soak.sh [-Dsoak.searches=2000] [-Dsoak.window=10]</pre>
 */
public final class MemorySoak {

    public static void main(String[] args) throws Exception {
        int searches = Integer.getInteger("soak.searches", 2000);
        int window = Integer.getInteger("soak.window", 10);
        int samples = 10;
        try (SoakNode node = SoakNode.start("soak-node", "minilm-l6-shape-random", window, "soak")) {
            RestClient client = node.client();
            RelevanceEvaluation.Config config = node.config();
            RelevanceEvaluation evaluation = node.evaluation();
            String dataset = config.collection().name();
            List<BeirCollection.Query> queries = config.collection().queries();
            StringBuilder table = new StringBuilder(
                    "| searches | resident memory MiB | heap used MiB | pairs scored |\n|---|---|---|---|\n");
            table.append(row(0, node));
            long start = System.nanoTime();
            for (int i = 1; i <= searches; i++) {
                client.ok(
                        "POST",
                        "/" + RelevanceEvaluation.INDEX + "/_search",
                        evaluation.reranked(queries.get(i % queries.size())));
                if (i % (searches / samples) == 0) {
                    String row = row(i, node);
                    System.out.print(row);
                    table.append(row);
                }
            }
            double minutes = (System.nanoTime() - start) / 60e9;
            String report = String.format(
                    Locale.ROOT,
                    "### Memory over many searches%n%nMeasured %s on %d cores (%s, Java %s) by `scripts/soak.sh`: one node "
                            + "(heap 768 MiB, pre-touched), model `%s`, score cache off, %d searches of %s (BM25 top %d reranked by the "
                            + "`cross_encoder` rescore) in %.1f minutes. Resident memory is the node process's VmRSS; heap used is "
                            + "as `_nodes/stats` saw it at that moment (it moves with garbage collection).%n%n%s",
                    RelevanceEvaluation.today(),
                    Runtime.getRuntime().availableProcessors(),
                    System.getProperty("os.arch"),
                    System.getProperty("java.version"),
                    config.model(),
                    searches,
                    dataset,
                    window,
                    minutes,
                    table);
            System.out.println(report);
            BenchmarkReport.update(config.report(), "speed:memory", report);
        }
    }

    @SuppressWarnings("unchecked")
    private static String row(int searches, SoakNode node) throws Exception {
        SoakNode.Memory memory = node.memory();
        Map<String, Map<String, Object>> stats = node.client()
                .ok("GET", "/_plugins/cross_encoder/_local/stats", null)
                .path("nodes");
        Map<String, Object> inference =
                (Map<String, Object>) stats.values().iterator().next().get("inference");
        return String.format(
                Locale.ROOT,
                "| %d | %d | %d | %d |%n",
                searches,
                memory.residentMib(),
                memory.heapUsedMib(),
                ((Number) inference.get("pairs_scored")).longValue());
    }
}
