/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.eval;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.crossencoder.opensearch.integ.OpenSearchNode;
import org.crossencoder.opensearch.integ.RestClient;

/**
 * Documents made of chunks, as RAG indices store them: each collection indexed through neural-search's real
 * {@code text_chunking} ingest processor (fixed token length chunks of the text into {@code text_chunks}), BM25 top 100
 * reranked by the rescore clause with the trained model, score cache off, reading each document whole and truncated at 512
 * tokens, in {@code passage_windows} of 128 tokens (each with and without the title, as the chunks hold the text alone),
 * and chunk by chunk ({@code chunks}, best chunk).
 * The readings take turns query by query; per row: nDCG@10, pairs per query, pairs/s (pairs the stats API counted over
 * the row's own time) and p50. Writes its table into docs/benchmarks/results/.
 *
 * <pre>scripts/chunks.sh [-Deval.datasets=scifact,nfcorpus] [-Deval.queries=N] [-Deval.chunk-tokens=N]</pre>
 */
public final class ChunkBenchmark {

    private static final int WINDOW = 100;
    private static final String PIPELINE = "text-chunking";

    /** One way to read a document: the rescore clause's options after {@code query_text}. */
    private record Reading(String name, String options) {}

    private final RestClient client;
    private final String model;
    private final List<Reading> readings;

    private ChunkBenchmark(RestClient client, String model, int chunkTokens) {
        this.client = client;
        this.model = model;
        String windows = ",\"passage_windows\":{\"length\":128,\"stride\":32,\"max_windows\":8,\"combine\":\"max\"}";
        // text_chunking chunks the text alone, so each reading of the whole document has a text-only twin to compare
        // the chunks with on the same words.
        this.readings = List.of(
                new Reading("title and text whole, truncated at 512 tokens", "\"fields\":[\"title\",\"text\"]"),
                new Reading("text whole, truncated at 512 tokens", "\"fields\":[\"text\"]"),
                new Reading(
                        "title and text in windows of 128 tokens, stride 32, max 8, `max`",
                        "\"fields\":[\"title\",\"text\"]" + windows),
                new Reading(
                        "text in windows of 128 tokens, stride 32, max 8, `max`", "\"fields\":[\"text\"]" + windows),
                new Reading(
                        "text_chunking chunks of the text, " + chunkTokens + " tokens, best chunk (`max`)",
                        "\"chunks\":{\"field\":\"text_chunks\",\"combine\":\"max\"}"));
    }

    public static void main(String[] args) throws Exception {
        String model = System.getProperty("eval.model", "minilm-l6-sci-cross-encoder");
        Path models = Paths.get(System.getProperty("tests.models.dir"));
        Path datasets = Paths.get(System.getProperty("eval.datasets.dir"));
        int queryLimit = Integer.getInteger("eval.queries", 50);
        int chunkTokens = Integer.getInteger("eval.chunk-tokens", 128);
        StringBuilder table = new StringBuilder();
        try (OpenSearchNode node = OpenSearchNode.start(
                "chunks", models, List.of(model), Map.of("discovery.type", "single-node"), "1g", directory -> {})) {
            ChunkBenchmark benchmark = new ChunkBenchmark(node.client(), model, chunkTokens);
            benchmark.createChunkingPipeline(chunkTokens);
            table.append(String.format(
                    Locale.ROOT,
                    "One node on this machine (%d cores) with neural-search installed, model `%s`, BM25 top %d "
                            + "(title and text) reranked by the rescore clause with `score_mode: replace`, score cache "
                            + "off, first %d test queries of each collection. Chunks: neural-search's `text_chunking` "
                            + "processor, `fixed_token_length` with `token_limit` %d, `overlap_rate` 0, the `standard` "
                            + "tokenizer (its tokens are words, not the model's word pieces), of the text only. The "
                            + "readings take turns query by query (`scripts/chunks.sh`).%n%n",
                    Runtime.getRuntime().availableProcessors(),
                    model,
                    WINDOW,
                    queryLimit,
                    chunkTokens));
            table.append(TakingTurns.overCollections(
                    node.client(),
                    datasets,
                    queryLimit,
                    benchmark.readings.stream().map(Reading::name).toList(),
                    (collection, index) -> collection.indexInto(node.client(), index, 1, PIPELINE),
                    benchmark::search));
        }
        System.out.println(table);
        String datasetsKey =
                System.getProperty("eval.datasets", "scifact,nfcorpus").replace(',', '+');
        BenchmarkReport.update(
                Paths.get(System.getProperty("eval.report")),
                "chunks:" + model + ":" + chunkTokens + ":" + datasetsKey + ":" + queryLimit + "-queries",
                table.toString());
    }

    private void createChunkingPipeline(int chunkTokens) throws IOException {
        client.ok("PUT", "/_ingest/pipeline/" + PIPELINE, String.format(Locale.ROOT, """
                {"processors":[{"text_chunking":{
                  "algorithm":{"fixed_token_length":{"token_limit":%d,"overlap_rate":0.0,"tokenizer":"standard"}},
                  "field_map":{"text":"text_chunks"}}}]}""", chunkTokens));
    }

    private RestClient.Response search(String index, int row, String text) throws IOException {
        return client.ok(
                "POST",
                "/" + index + "/_search",
                "{\"size\":10,\"_source\":false,\"query\":{\"match\":{\"contents\":"
                        + GlobalWindowBenchmark.quoted(text) + "}},\"rescore\":{\"window_size\":" + WINDOW
                        + ",\"cross_encoder\":{\"model\":\"" + model + "\",\"query_text\":"
                        + GlobalWindowBenchmark.quoted(text) + ",\"score_mode\":\"replace\","
                        + readings.get(row).options() + "}}}");
    }
}
