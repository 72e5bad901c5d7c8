/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.eval;

import static org.crossencoder.opensearch.eval.GlobalWindowBenchmark.percentile;
import static org.crossencoder.opensearch.eval.GlobalWindowBenchmark.quoted;
import static org.crossencoder.opensearch.integ.CrossEncoderIntegTestCase.testModelsDir;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.crossencoder.opensearch.integ.OpenSearchNode;
import org.crossencoder.opensearch.integ.RestClient;

/**
 * What sending model work to the reranking tier costs: {@code _rerank} calls of 100 texts each on a node that holds
 * data, scored on that node ({@code tier.mode: local}) and on a node with the {@code cross_encoder} role alone
 * ({@code tier.mode: tier}), taking turns call by call, for short passages (TREC DL 2019) and abstracts (SciFact).
 * Per length: p50 and p90 of each, the extra p50, and from the sending node's tier stats the bytes each way and the
 * transfer time per call (round trip less the tier node's own time). Both nodes share this machine's cores, so the
 * transfer is over loopback. Writes its table into docs/benchmarks/results/.
 *
 * <pre>scripts/tier.sh [-Deval.model=NAME] [-Deval.requests=N]</pre>
 */
public final class TierBenchmark {

    private static final int TEXTS = 100;
    private static final String SENDER = "tier-bench-data";
    private static final String TIER = "tier-bench-tier";

    private final RestClient client;
    private final String model;
    private final int requests;

    private TierBenchmark(RestClient client, String model, int requests) {
        this.client = client;
        this.model = model;
        this.requests = requests;
    }

    public static void main(String[] args) throws Exception {
        String model = System.getProperty("eval.model", "minilm-l6-sci-cross-encoder");
        int requests = Integer.getInteger("eval.requests", 40);
        Path datasets = Paths.get(System.getProperty("eval.datasets.dir"));
        String table;
        try (OpenSearchNode data = OpenSearchNode.start(
                        SENDER,
                        testModelsDir(),
                        List.of(model),
                        Map.of(
                                "cluster.name", "tier-bench",
                                "cluster.initial_cluster_manager_nodes", SENDER,
                                "node.roles", "cluster_manager,data"),
                        "1g",
                        directory -> {});
                OpenSearchNode tier = OpenSearchNode.start(
                        TIER,
                        testModelsDir(),
                        List.of(model),
                        Map.of(
                                "cluster.name", "tier-bench",
                                "discovery.seed_hosts", data.transportAddress(),
                                "node.roles", "cross_encoder"),
                        "1g",
                        directory -> {})) {
            RestClient client = data.client();
            client.ok("GET", "/_cluster/health?wait_for_nodes=2&timeout=120s", null);
            client.ok("PUT", "/_cluster/settings", """
                    {"persistent":{"plugins.cross_encoder.cache.size":"0b"}}""");
            TierBenchmark benchmark = new TierBenchmark(client, model, requests);
            StringBuilder out = new StringBuilder(String.format(
                    Locale.ROOT,
                    "Two nodes on one machine (%d cores): `%s` (cluster manager, data) takes each `_rerank` call of %d"
                            + " texts and scores it itself (`local`) or sends it to `%s` (role `cross_encoder` alone,"
                            + " `tier`); the modes take turns call by call, %d calls each, model `%s`, score cache off"
                            + " (`scripts/tier.sh`). Transfer is round trip less the tier node's own time, from the"
                            + " sending node's `tier.sent` stats.%n%n",
                    Runtime.getRuntime().availableProcessors(),
                    SENDER,
                    TEXTS,
                    TIER,
                    requests,
                    model));
            out.append(
                    "| texts | words per text | local p50 ms | tier p50 ms | extra p50 ms per 100 pairs | local p90 ms "
                            + "| tier p90 ms | transfer ms per call | request KiB | response KiB |\n");
            out.append("|---|---|---|---|---|---|---|---|---|---|\n");
            List<Measured> measured = List.of(
                    benchmark.run(
                            "short passages (TREC DL 2019)",
                            BeirCollection.load(datasets.resolve("trec-dl-2019-passage-subset"), "test")),
                    benchmark.run("abstracts (SciFact)", BeirCollection.load(datasets.resolve("scifact"), "test")));
            measured.forEach(m -> out.append(m.row()));
            out.append(String.format(
                    Locale.ROOT,
                    "%nCapacity on paper from these readings: a cluster serving N queries/s at window 100 asks for 100 x N"
                            + " pairs/s; one tier node like this one scores the pairs/s below (100 pairs over its own"
                            + " time per call, `tier.sent.*.tier_time_in_millis`), so it needs N x 100 / that many tier"
                            + " nodes, and its data nodes send N x the request size to the tier.%n%n"));
            out.append(String.format(
                    Locale.ROOT,
                    "| texts | pairs/s per tier node (%d cores) | N = 1: tier nodes; MiB/s sent | N = 5 | N = 20 | N = 50 |%n",
                    Runtime.getRuntime().availableProcessors()));
            out.append("|---|---|---|---|---|---|\n");
            measured.forEach(m -> out.append(m.capacity()));
            table = out.toString();
        }
        System.out.println(table);
        BenchmarkReport.update(Paths.get(System.getProperty("eval.report")), "tier:" + model, table);
    }

    /** One length's readings. */
    private record Measured(String row, String label, double pairsPerSecond, double requestKiB) {

        /** Tier nodes and transfer for N queries/s at window 100. */
        String capacity() {
            StringBuilder cells = new StringBuilder();
            for (int n : new int[] {1, 5, 20, 50}) {
                cells.append(String.format(
                        Locale.ROOT, " %d; %.1f |", (int) Math.ceil(n * 100 / pairsPerSecond), n * requestKiB / 1024));
            }
            return String.format(Locale.ROOT, "| %s | %.0f |%s%n", label, pairsPerSecond, cells);
        }
    }

    private Measured run(String label, BeirCollection collection) throws IOException {
        List<String> texts = new ArrayList<>();
        collection.forEachDocument(document -> {
            if (texts.size() < 20 * TEXTS) {
                texts.add(document.title().isEmpty() ? document.text() : document.title() + " " + document.text());
            }
        });
        List<BeirCollection.Query> queries = collection.queries();
        double[] local = new double[requests];
        double[] tier = new double[requests];
        rerank("local", queries.get(0).text(), texts.subList(0, TEXTS)); // warm-up, both nodes
        rerank("tier", queries.get(0).text(), texts.subList(0, TEXTS));
        Map<String, Object> before = sent();
        for (int r = 0; r < requests; r++) {
            int from = (r * 37) % (texts.size() - TEXTS);
            List<String> window = texts.subList(from, from + TEXTS);
            String query = queries.get(r % queries.size()).text();
            local[r] = rerank("local", query, window);
            tier[r] = rerank("tier", query, window);
        }
        Map<String, Object> after = sent();
        Arrays.sort(local);
        Arrays.sort(tier);
        double words = texts.stream()
                .mapToInt(text -> text.split("\\s+").length)
                .average()
                .orElse(0);
        double requestKiB = delta(before, after, "request_bytes") / requests / 1024;
        double pairsPerSecond = requests * TEXTS / (delta(before, after, "tier_time_in_millis") / 1000);
        String row = String.format(
                Locale.ROOT,
                "| %s | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %.1f | %.1f | %.1f |%n",
                label,
                words,
                percentile(local, 0.5),
                percentile(tier, 0.5),
                percentile(tier, 0.5) - percentile(local, 0.5),
                percentile(local, 0.9),
                percentile(tier, 0.9),
                delta(before, after, "transfer_time_in_millis") / requests,
                requestKiB,
                delta(before, after, "response_bytes") / requests / 1024);
        return new Measured(row, label, pairsPerSecond, requestKiB);
    }

    /** Milliseconds one call took, as its client saw it. */
    private double rerank(String mode, String query, List<String> texts) throws IOException {
        client.ok(
                "PUT", "/_cluster/settings", "{\"persistent\":{\"plugins.cross_encoder.tier.mode\":\"" + mode + "\"}}");
        StringBuilder body =
                new StringBuilder("{\"model\":\"" + model + "\",\"query_text\":" + quoted(query) + ",\"texts\":[");
        for (int i = 0; i < texts.size(); i++) {
            body.append(i == 0 ? "" : ",").append(quoted(texts.get(i)));
        }
        body.append("]}");
        long start = System.nanoTime();
        client.ok("POST", "/_plugins/cross_encoder/_rerank", body.toString());
        return (System.nanoTime() - start) / 1e6;
    }

    /** What the data node sent to the tier node so far ({@code tier.sent.<tier node>} of its stats). */
    private Map<String, Object> sent() throws IOException {
        Map<String, Map<String, Object>> nodes =
                client.ok("GET", "/_plugins/cross_encoder/stats", null).path("nodes");
        for (Map<String, Object> node : nodes.values()) {
            if (SENDER.equals(node.get("name"))) {
                @SuppressWarnings("unchecked")
                Map<String, Object> sent = (Map<String, Object>) ((Map<String, Object>) node.get("tier")).get("sent");
                @SuppressWarnings("unchecked")
                Map<String, Object> toTier = (Map<String, Object>) sent.getOrDefault(TIER, Map.of());
                return toTier;
            }
        }
        throw new IllegalStateException("no stats of node [" + SENDER + "]");
    }

    private static double delta(Map<String, Object> before, Map<String, Object> after, String field) {
        return ((Number) after.getOrDefault(field, 0)).doubleValue()
                - ((Number) before.getOrDefault(field, 0)).doubleValue();
    }
}
