/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.eval;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.crossencoder.opensearch.integ.RestClient;

/**
 * Rows of a benchmark that take turns query by query on one node, so that each sees the same minutes of a machine
 * whose speed drifts: per row nDCG@10, pairs per query, pairs/s (the pairs the stats API counted over the row's own
 * time) and p50, as markdown table rows {@code | collection | row | nDCG@10 | pairs/query | pairs/s | p50 ms |}.
 */
final class TakingTurns {

    /** One row's search for a query text; its hits are the row's ranking. */
    @FunctionalInterface
    interface Search {
        RestClient.Response run(int row, String queryText) throws IOException;
    }

    /** Indexes one collection as a benchmark needs it. */
    @FunctionalInterface
    interface Indexer {
        void index(BeirCollection collection, String index) throws IOException;
    }

    /** One row's search of a collection's index for a query text. */
    @FunctionalInterface
    interface IndexSearch {
        RestClient.Response run(String index, int row, String queryText) throws IOException;
    }

    private TakingTurns() {}

    /**
     * The table of every collection {@code eval.datasets} names (SciFact and NFCorpus by default), the first
     * {@code queryLimit} test queries of each, score cache off: each collection indexed, its rows taking turns, then
     * its index deleted.
     */
    static String overCollections(
            RestClient client,
            Path datasets,
            int queryLimit,
            List<String> rowNames,
            Indexer indexer,
            IndexSearch search)
            throws IOException {
        client.ok("PUT", "/_cluster/settings", """
                {"persistent":{"plugins.cross_encoder.cache.size":"0b"}}""");
        StringBuilder table =
                new StringBuilder("| collection | reading | nDCG@10 | pairs/query | pairs/s | p50 ms |\n");
        table.append("|---|---|---|---|---|---|\n");
        for (String dataset :
                System.getProperty("eval.datasets", "scifact,nfcorpus").split(",")) {
            BeirCollection collection = BeirCollection.load(datasets.resolve(dataset), "test");
            List<BeirCollection.Query> queries = collection
                    .queries()
                    .subList(0, Math.min(queryLimit, collection.queries().size()));
            indexer.index(collection, dataset);
            table.append(
                    table(client, dataset, rowNames, collection, queries, (r, text) -> search.run(dataset, r, text)));
            client.ok("DELETE", "/" + dataset, null);
        }
        return table.toString();
    }

    static String table(
            RestClient client,
            String dataset,
            List<String> rowNames,
            BeirCollection collection,
            List<BeirCollection.Query> queries,
            Search search)
            throws IOException {
        int n = rowNames.size();
        double[][] latencies = new double[n][queries.size()];
        double[] ndcg = new double[n];
        long[] pairs = new long[n];
        double[] seconds = new double[n];
        for (int r = 0; r < n; r++) {
            search.run(r, queries.get(0).text()); // warm-up
        }
        for (int q = 0; q < queries.size(); q++) {
            BeirCollection.Query query = queries.get(q);
            for (int r = 0; r < n; r++) {
                long before = pairsScored(client);
                long start = System.nanoTime();
                RestClient.Response response = search.run(r, query.text());
                double elapsed = (System.nanoTime() - start) / 1e9;
                latencies[r][q] = elapsed * 1000;
                seconds[r] += elapsed;
                pairs[r] += pairsScored(client) - before;
                List<String> ranking = new ArrayList<>();
                List<Map<String, Object>> hits = response.path("hits.hits");
                for (Map<String, Object> hit : hits) {
                    ranking.add((String) hit.get("_id"));
                }
                ndcg[r] += Metrics.ndcg(ranking, collection.judgments(query.id()), 10);
            }
        }
        StringBuilder rows = new StringBuilder();
        for (int r = 0; r < n; r++) {
            double[] sorted = latencies[r].clone();
            Arrays.sort(sorted);
            rows.append(String.format(
                    Locale.ROOT,
                    "| %s | %s | %.4f | %.1f | %.0f | %.0f |%n",
                    dataset,
                    rowNames.get(r),
                    ndcg[r] / queries.size(),
                    pairs[r] / (double) queries.size(),
                    pairs[r] / seconds[r],
                    GlobalWindowBenchmark.percentile(sorted, 0.50)));
        }
        return rows.toString();
    }

    private static long pairsScored(RestClient client) throws IOException {
        return GlobalWindowBenchmark.pairsByNode(client).values().stream()
                .mapToLong(Long::longValue)
                .sum();
    }
}
