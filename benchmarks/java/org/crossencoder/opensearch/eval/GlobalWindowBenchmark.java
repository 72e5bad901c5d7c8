/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.eval;

import java.io.IOException;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.crossencoder.opensearch.integ.RestClient;
import org.crossencoder.opensearch.integ.TwoNodeCluster;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.core.xcontent.XContentBuilder;

/**
 * The three ways to rerank, on a two-node cluster, for indices of 1, 2, 4 and 8 shards, window 100, score cache off:
 * the rescore clause (per shard), the {@code cross_encoder_rerank} response processor on the coordinator, and the
 * global window ({@code cross_encoder_window} + {@code cross_encoder_rerank} scoring on the data nodes). Per path and
 * shard count: pairs the model scored per query (from the stats API), p50 and p99 latency, nDCG@10, and for the global
 * window the pairs each node scored. The paths take turns query by query. Writes its table into docs/benchmarks/results/.
 *
 * <pre>scripts/global-window.sh [-Deval.dataset=NAME] [-Deval.model=NAME] [-Deval.queries=N]</pre>
 */
public final class GlobalWindowBenchmark {

    private static final int WINDOW = 100;
    private static final List<Integer> SHARDS = List.of(1, 2, 4, 8);
    private static final List<String> PATHS = List.of("rescore clause", "response processor", "global window");

    private final RestClient client;
    private final BeirCollection collection;
    private final String model;
    private final List<BeirCollection.Query> queries;

    private GlobalWindowBenchmark(RestClient client, BeirCollection collection, String model, int queryLimit) {
        this.client = client;
        this.collection = collection;
        this.model = model;
        this.queries = collection
                .queries()
                .subList(0, Math.min(queryLimit, collection.queries().size()));
    }

    public static void main(String[] args) throws Exception {
        String dataset = System.getProperty("eval.dataset", "trec-dl-2019-passage-subset");
        String model = System.getProperty("eval.model", "minilm-l6-sci-cross-encoder");
        BeirCollection collection = BeirCollection.load(
                Paths.get(System.getProperty("eval.datasets.dir")).resolve(dataset), "test");
        StringBuilder table = new StringBuilder();
        try (TwoNodeCluster cluster = TwoNodeCluster.start(
                "global-bench", List.of(model), directory -> {}, List.of(model), directory -> {})) {
            GlobalWindowBenchmark benchmark = new GlobalWindowBenchmark(
                    cluster.client(), collection, model, Integer.getInteger("eval.queries", Integer.MAX_VALUE));
            table.append(benchmark.run(dataset));
        }
        System.out.println(table);
        BenchmarkReport.update(
                Paths.get(System.getProperty("eval.report")),
                "global-window:" + dataset + ":" + model,
                table.toString());
    }

    private String run(String dataset) throws Exception {
        client.ok("PUT", "/_cluster/settings", """
                {"persistent":{"plugins.cross_encoder.cache.size":"0b"}}""");
        client.ok("PUT", "/_search/pipeline/response-processor", pipeline(false));
        client.ok("PUT", "/_search/pipeline/global-window", pipeline(true));
        StringBuilder table = new StringBuilder();
        table.append(String.format(
                Locale.ROOT,
                "Two nodes on one machine (%d cores), model `%s`, %s (%d queries), window %d, score cache off; the paths "
                        + "take turns query by query (`scripts/global-window.sh`).%n%n",
                Runtime.getRuntime().availableProcessors(),
                model,
                dataset,
                queries.size(),
                WINDOW));
        table.append(
                "| shards | path | pairs/query | p50 ms | p99 ms | nDCG@10 | same top 10 as the response processor "
                        + "| pairs per node (global window) |\n");
        table.append("|---|---|---|---|---|---|---|---|\n");
        for (int shards : SHARDS) {
            String index = "bench-" + shards;
            collection.indexInto(client, index, shards);
            Map<String, double[]> latencies = new HashMap<>();
            Map<String, Double> ndcg = new HashMap<>();
            Map<String, Long> pairs = new HashMap<>();
            Map<String, Long> globalPerNode = new HashMap<>();
            Map<String, Integer> sameTop10 = new HashMap<>();
            for (String path : PATHS) {
                latencies.put(path, new double[queries.size()]);
                search(index, path, queries.get(0).text()); // warm-up
            }
            for (int q = 0; q < queries.size(); q++) {
                BeirCollection.Query query = queries.get(q);
                Map<String, List<String>> top10 = new HashMap<>();
                for (String path : PATHS) {
                    Map<String, Long> before = pairsByNode(client);
                    long start = System.nanoTime();
                    RestClient.Response response = search(index, path, query.text());
                    latencies.get(path)[q] = (System.nanoTime() - start) / 1e6;
                    Map<String, Long> after = pairsByNode(client);
                    for (String node : after.keySet()) {
                        long scored = after.get(node) - before.getOrDefault(node, 0L);
                        pairs.merge(path, scored, Long::sum);
                        if (path.equals("global window")) {
                            globalPerNode.merge(node, scored, Long::sum);
                        }
                    }
                    List<String> ranking = new ArrayList<>();
                    List<Map<String, Object>> hits = response.path("hits.hits");
                    for (Map<String, Object> hit : hits.subList(0, Math.min(10, hits.size()))) {
                        ranking.add((String) hit.get("_id"));
                    }
                    ndcg.merge(path, Metrics.ndcg(ranking, collection.judgments(query.id()), 10), Double::sum);
                    top10.put(path, ranking);
                }
                for (String path : PATHS) {
                    if (top10.get(path).equals(top10.get("response processor"))) {
                        sameTop10.merge(path, 1, Integer::sum);
                    }
                }
            }
            for (String path : PATHS) {
                double[] sorted = latencies.get(path).clone();
                Arrays.sort(sorted);
                table.append(String.format(
                        Locale.ROOT,
                        "| %d | %s | %.1f | %.0f | %.0f | %.4f | %d of %d | %s |%n",
                        shards,
                        path,
                        pairs.get(path) / (double) queries.size(),
                        percentile(sorted, 0.50),
                        percentile(sorted, 0.99),
                        ndcg.get(path) / queries.size(),
                        sameTop10.getOrDefault(path, 0),
                        queries.size(),
                        path.equals("global window") ? perNode(globalPerNode) : ""));
            }
            client.ok("DELETE", "/" + index, null);
        }
        return table.toString();
    }

    private String pipeline(boolean globalWindow) {
        String rerank = "{\"cross_encoder_rerank\":{\"model\":\"" + model
                + "\",\"fields\":[\"title\",\"text\"],\"score_mode\":\"replace\""
                + (globalWindow ? ",\"score_on\":\"data_nodes\"" : "") + "}}";
        return globalWindow
                ? "{\"request_processors\":[{\"cross_encoder_window\":{\"window_size\":" + WINDOW
                        + "}}],\"response_processors\":[" + rerank + "]}"
                : "{\"response_processors\":[" + rerank + "]}";
    }

    /** The top 10 by one path; the response processor alone must be given the whole window as its page. */
    private RestClient.Response search(String index, String path, String text) throws IOException {
        String query = json(b -> b.startObject("match").field("contents", text).endObject());
        String ext = json(
                b -> b.startObject("cross_encoder").field("query_text", text).endObject());
        return switch (path) {
            case "rescore clause" ->
                client.ok(
                        "POST",
                        "/" + index + "/_search",
                        "{\"size\":10,\"query\":" + query
                                + ",\"rescore\":{\"window_size\":" + WINDOW + ",\"cross_encoder\":{\"model\":\"" + model
                                + "\",\"query_text\":" + quoted(text)
                                + ",\"fields\":[\"title\",\"text\"],\"score_mode\":\"replace\"}}}");
            case "response processor" ->
                client.ok(
                        "POST",
                        "/" + index + "/_search?search_pipeline=response-processor",
                        "{\"size\":" + WINDOW + ",\"query\":" + query + ",\"ext\":" + ext + "}");
            default ->
                client.ok(
                        "POST",
                        "/" + index + "/_search?search_pipeline=global-window",
                        "{\"size\":10,\"_source\":false,\"query\":" + query + ",\"ext\":" + ext + "}");
        };
    }

    /** The pairs each node's model scored since it started ({@code pairs_scored} of the stats API), by node name. */
    static Map<String, Long> pairsByNode(RestClient client) throws IOException {
        Map<String, Object> nodes =
                client.ok("GET", "/_plugins/cross_encoder/stats", null).path("nodes");
        Map<String, Long> pairs = new HashMap<>();
        nodes.forEach((id, node) -> {
            Map<?, ?> stats = (Map<?, ?>) node;
            pairs.put(
                    (String) stats.get("name"),
                    ((Number) ((Map<?, ?>) stats.get("inference")).get("pairs_scored")).longValue());
        });
        return pairs;
    }

    private String perNode(Map<String, Long> pairsPerNode) {
        List<String> parts = new ArrayList<>();
        pairsPerNode.entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .forEach(e -> parts.add(e.getKey() + ": "
                        + String.format(Locale.ROOT, "%.1f", e.getValue() / (double) queries.size())));
        return String.join(", ", parts);
    }

    static double percentile(double[] sorted, double p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }

    static String quoted(String text) throws IOException {
        try (XContentBuilder builder = JsonXContent.contentBuilder()) {
            return builder.value(text).toString();
        }
    }

    interface Json {
        void write(XContentBuilder builder) throws IOException;
    }

    static String json(Json body) throws IOException {
        try (XContentBuilder builder = JsonXContent.contentBuilder()) {
            builder.startObject();
            body.write(builder);
            builder.endObject();
            return builder.toString();
        }
    }
}
