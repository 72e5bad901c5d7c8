/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.eval;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.crossencoder.opensearch.integ.OpenSearchNode;
import org.crossencoder.opensearch.integ.RestClient;

/**
 * Truncation against {@code passage_windows}, on one node with the trained model, BM25 top 100 reranked by the
 * rescore clause, score cache off: truncation at 128 tokens (a copy of the model with {@code max_length} 128) against
 * windows of 128 tokens ({@code max}), and truncation at 512 against windows of 256 sharing 128. The four take turns
 * query by query; per row: nDCG@10, pairs per query, pairs/s (pairs the stats API counted over the row's own time) and
 * p50. Writes its table into docs/benchmarks/results/.
 *
 * <pre>scripts/long-documents.sh [-Deval.datasets=scifact,nfcorpus] [-Deval.queries=N]</pre>
 */
public final class LongDocumentBenchmark {

    private static final int WINDOW = 100;

    /** One way to read the passages: which copy of the model, and the rescore clause's {@code passage_windows}. */
    private record Reading(String name, String model, String passageWindows) {}

    private final RestClient client;
    private final String model;
    private final List<Reading> readings;

    private LongDocumentBenchmark(RestClient client, String model) {
        this.client = client;
        this.model = model;
        this.readings = List.of(
                new Reading("truncated at 128 tokens", model + "-128", null),
                new Reading(
                        "windows of 128 tokens, stride 32, max 8, `max`",
                        model,
                        "{\"length\":128,\"stride\":32,\"max_windows\":8,\"combine\":\"max\"}"),
                new Reading("truncated at 512 tokens", model, null),
                new Reading(
                        "windows of 256 tokens, stride 128, max 8, `max`",
                        model,
                        "{\"length\":256,\"stride\":128,\"max_windows\":8,\"combine\":\"max\"}"));
    }

    public static void main(String[] args) throws Exception {
        String model = System.getProperty("eval.model", "minilm-l6-sci-cross-encoder");
        Path models = Paths.get(System.getProperty("tests.models.dir"));
        Path datasets = Paths.get(System.getProperty("eval.datasets.dir"));
        int queryLimit = Integer.getInteger("eval.queries", 50);
        StringBuilder table = new StringBuilder();
        try (OpenSearchNode node = OpenSearchNode.start(
                "long-documents",
                models,
                List.of(model),
                Map.of("discovery.type", "single-node"),
                "1g",
                directory -> shortCopy(models.resolve(model), directory, model + "-128", 128))) {
            LongDocumentBenchmark benchmark = new LongDocumentBenchmark(node.client(), model);
            table.append(String.format(
                    Locale.ROOT,
                    "One node on this machine (%d cores), model `%s`, BM25 top %d reranked by the rescore clause, score "
                            + "cache off, first %d test queries of each collection; the four readings take turns query "
                            + "by query (`scripts/long-documents.sh`).%n%n",
                    Runtime.getRuntime().availableProcessors(),
                    model,
                    WINDOW,
                    queryLimit));
            table.append(TakingTurns.overCollections(
                    node.client(),
                    datasets,
                    queryLimit,
                    benchmark.readings.stream().map(Reading::name).toList(),
                    (collection, index) -> collection.indexInto(node.client(), index, 1),
                    benchmark::search));
        }
        System.out.println(table);
        BenchmarkReport.update(
                Paths.get(System.getProperty("eval.report")), "long-documents:" + model, table.toString());
    }

    /** A copy of the model that reads at most {@code maxLength} tokens per pair, in the node's models path. */
    private static void shortCopy(Path source, Path nodeDirectory, String name, int maxLength) throws IOException {
        Path copy = Files.createDirectories(
                nodeDirectory.resolve("config/cross-encoder-models").resolve(name));
        try (Stream<Path> files = Files.list(source)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                Files.copy(file, copy.resolve(file.getFileName()));
            }
        }
        Files.writeString(copy.resolve("cross-encoder.json"), "{\"max_length\":" + maxLength + "}");
    }

    private RestClient.Response search(String index, int row, String text) throws IOException {
        Reading reading = readings.get(row);
        String windows = reading.passageWindows() == null ? "" : ",\"passage_windows\":" + reading.passageWindows();
        return client.ok(
                "POST",
                "/" + index + "/_search",
                "{\"size\":10,\"_source\":false,\"query\":{\"match\":{\"contents\":"
                        + GlobalWindowBenchmark.quoted(text) + "}},\"rescore\":{\"window_size\":" + WINDOW
                        + ",\"cross_encoder\":{\"model\":\"" + reading.model() + "\",\"query_text\":"
                        + GlobalWindowBenchmark.quoted(text)
                        + ",\"fields\":[\"title\",\"text\"],\"score_mode\":\"replace\"" + windows + "}}}");
    }
}
