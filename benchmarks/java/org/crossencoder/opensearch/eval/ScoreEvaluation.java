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
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.crossencoder.opensearch.integ.OpenSearchNode;
import org.crossencoder.opensearch.integ.RestClient;
import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.common.xcontent.json.JsonXContent;

/**
 * The scores of the two trained models, alone and together, on one node with both, BM25 top 100 reranked by the
 * rescore clause, score cache off. Two outputs per collection:
 * <ul>
 *   <li>each model's raw logits for BM25's top 100 of every query of a split, with 0/1 labels from the qrels, in
 *       {@code target/eval/scores/<dataset>-<split>-<model>.tsv}: the fit split (SciFact: the 100 train queries the
 *       models' READMEs hold out as dev; NFCorpus: dev) is what {@code models/fit-calibration.py} fits a calibration
 *       on, the test split what it is evaluated on;</li>
 *   <li>a ranking table on the test split, the rows taking turns query by query: each model alone, and the ensemble of
 *       both with equal weights, of raw logits or of (calibrated) probabilities. Per row: nDCG@10, pairs per query,
 *       pairs/s (pairs the stats API counted over the row's own time) and p50. Written into docs/benchmarks/results/.</li>
 * </ul>
 * With {@code -Deval.calibration=DIR}, each model's {@code cross-encoder.json} is {@code DIR/<model>/cross-encoder.json}
 * (as {@code fit-calibration.py fit --output-dir DIR/<model>} writes it), so the probability row uses that calibration.
 * The calibration is fitted on the logits of a first run, so {@code -Deval.steps} runs one output alone:
 * {@code dump} first, then {@code table} with the calibration, without scoring the logits twice.
 *
 * <pre>scripts/scores.sh [-Deval.datasets=scifact,nfcorpus] [-Deval.queries=N] [-Deval.fit-queries=N]
 *     [-Deval.rows=a,b,c,d] [-Deval.steps=dump,table] [-Deval.calibration=DIR]</pre>
 */
public final class ScoreEvaluation {

    private static final int WINDOW = 100;
    private static final String SCI = "minilm-l6-sci-cross-encoder";
    private static final String NF = "minilm-l6-nf-cross-encoder-fp16";
    private static final List<String> MODELS = List.of(SCI, NF);

    /**
     * One row of the ranking table: its key in {@code -Deval.rows}, its name, and the members of its
     * {@code cross_encoder} clause that choose and combine the models (each search adds its query text and fields).
     */
    private record Row(String key, String name, String clause) {}

    private static final String BOTH = "\"models\":[{\"model\":\"" + SCI + "\"},{\"model\":\"" + NF + "\"}]";
    private static final List<Row> ROWS = List.of(
            new Row("a", "`" + SCI + "` alone", "\"model\":\"" + SCI + "\""),
            new Row("b", "`" + NF + "` alone", "\"model\":\"" + NF + "\""),
            new Row("c", "both, equal weights, logits", BOTH + ",\"probability\":false"),
            new Row("d", "both, equal weights, probabilities", BOTH + ",\"probability\":true"));

    /** The queries of one split of a collection, with the judgments that label their pairs. */
    private record Split(String name, BeirCollection collection, List<BeirCollection.Query> queries) {
        Split limit(int queryLimit) {
            return new Split(name, collection, queries.subList(0, Math.min(queryLimit, queries.size())));
        }
    }

    private final RestClient client;
    private final Path output;
    private final List<Row> rows;
    private final boolean logitsStep;
    private final boolean tableStep;

    private ScoreEvaluation(RestClient client, Path output, List<Row> rows, boolean logitsStep, boolean tableStep) {
        this.client = client;
        this.output = output;
        this.rows = rows;
        this.logitsStep = logitsStep;
        this.tableStep = tableStep;
    }

    public static void main(String[] args) throws Exception {
        Path models = Paths.get(System.getProperty("tests.models.dir"));
        Path datasets = Paths.get(System.getProperty("eval.datasets.dir"));
        Path output = Paths.get(System.getProperty("eval.output")).resolve("scores");
        int queryLimit = Integer.getInteger("eval.queries", Integer.MAX_VALUE);
        int fitQueryLimit = Integer.getInteger("eval.fit-queries", Integer.MAX_VALUE);
        Optional<Path> calibration =
                Optional.ofNullable(System.getProperty("eval.calibration")).map(Paths::get);
        List<Row> rows = selectedRows(System.getProperty("eval.rows"));
        List<String> steps =
                Arrays.asList(System.getProperty("eval.steps", "dump,table").split(","));
        if (List.of("dump", "table").containsAll(steps) == false) {
            throw new IllegalArgumentException(
                    "[eval.steps] takes dump, table or both but was [" + String.join(",", steps) + "]");
        }
        StringBuilder table = new StringBuilder();
        try (OpenSearchNode node = OpenSearchNode.start(
                "scores",
                models,
                MODELS,
                Map.of("discovery.type", "single-node"),
                "1g",
                directory -> calibrate(calibration, directory))) {
            ScoreEvaluation evaluation =
                    new ScoreEvaluation(node.client(), output, rows, steps.contains("dump"), steps.contains("table"));
            table.append(String.format(
                    Locale.ROOT,
                    "One node on this machine (%d cores) with both models, BM25 top %d reranked by the rescore clause, "
                            + "score cache off, %s of each collection; the rows take turns query by query "
                            + "(`scripts/scores.sh%s`). Probabilities: %s. nDCG@10 uses the graded judgments. Pairs "
                            + "are what the stats API counted: an ensemble of two models scores two pairs per hit, so "
                            + "its pairs/query is twice a single model's for the same hits.%n%n",
                    Runtime.getRuntime().availableProcessors(),
                    WINDOW,
                    queryLimit == Integer.MAX_VALUE ? "all test queries" : "first " + queryLimit + " test queries",
                    commandOptions(),
                    describe(calibration)));
            table.append("| collection | rescore clause | nDCG@10 | pairs/query | pairs/s | p50 ms |\n");
            table.append("|---|---|---|---|---|---|\n");
            for (String dataset : System.getProperty("eval.datasets", "scifact,nfcorpus,trec-dl-2019-passage-subset")
                    .split(",")) {
                Path directory = datasets.resolve(dataset);
                BeirCollection collection = BeirCollection.load(directory, "test");
                table.append(evaluation.run(
                        dataset,
                        fitSplit(dataset, directory).map(split -> split.limit(fitQueryLimit)),
                        new Split("test", collection, collection.queries()).limit(queryLimit)));
            }
        }
        if (steps.contains("table")) {
            System.out.println(table);
            BenchmarkReport.update(Paths.get(System.getProperty("eval.report")), "scores:ensembles", table.toString());
        }
    }

    /**
     * The split a calibration is fitted on: queries none of the models was trained on, and not the test queries
     * ({@link BeirCollection#loadSplit}). The DL19 subset has only its test queries.
     */
    private static Optional<Split> fitSplit(String dataset, Path directory) throws IOException {
        return switch (dataset) {
            case "scifact", "nfcorpus" -> {
                BeirCollection dev = BeirCollection.loadSplit(directory, "dev");
                yield Optional.of(new Split("dev", dev, dev.queries()));
            }
            default -> Optional.empty();
        };
    }

    private static List<Row> selectedRows(String keys) {
        if (keys == null) {
            return ROWS;
        }
        List<String> wanted = Arrays.asList(keys.split(","));
        List<Row> rows = ROWS.stream().filter(row -> wanted.contains(row.key())).toList();
        if (rows.size() != wanted.size()) {
            throw new IllegalArgumentException("[eval.rows] takes a comma list of row keys out of "
                    + ROWS.stream().map(Row::key).toList() + " but was [" + keys + "]");
        }
        return rows;
    }

    /** Puts each model's calibrated {@code cross-encoder.json} over the copy the node would load. */
    private static void calibrate(Optional<Path> calibration, Path nodeDirectory) throws IOException {
        if (calibration.isEmpty()) {
            return;
        }
        for (String model : MODELS) {
            Path config = calibration.get().resolve(model).resolve("cross-encoder.json");
            if (Files.exists(config) == false) {
                throw new IllegalArgumentException("[eval.calibration] has no " + config);
            }
            Files.copy(
                    config,
                    nodeDirectory
                            .resolve("config/cross-encoder-models")
                            .resolve(model)
                            .resolve("cross-encoder.json"),
                    StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Where the probabilities' calibration comes from, as the table's preamble says it. */
    private static String describe(Optional<Path> calibration) throws IOException {
        if (calibration.isEmpty()) {
            return "each model's own `cross-encoder.json` (no `-Deval.calibration`)";
        }
        List<String> fits = new ArrayList<>();
        for (String model : MODELS) {
            Map<String, Object> config = XContentHelper.convertToMap(
                    JsonXContent.jsonXContent,
                    Files.readString(calibration.get().resolve(model).resolve("cross-encoder.json")),
                    false);
            Map<?, ?> fit = (Map<?, ?>) config.get("calibration");
            fits.add(
                    fit == null
                            ? "`" + model + "` none"
                            : String.format(
                                    Locale.ROOT,
                                    "`%s` scale %s, bias %s (fitted on %s)",
                                    model,
                                    fit.get("scale"),
                                    fit.get("bias"),
                                    fit.get("fitted_on")));
        }
        return "sigmoid(scale * logit + bias), from `fit-calibration.py`: " + String.join("; ", fits);
    }

    /** The options of this run that change what the table holds, as a command line would give them. */
    private static String commandOptions() {
        StringBuilder options = new StringBuilder();
        for (String key : List.of("eval.datasets", "eval.queries", "eval.rows", "eval.calibration")) {
            String value = System.getProperty(key);
            if (value != null) {
                options.append(" -D").append(key).append('=').append(value);
            }
        }
        return options.toString();
    }

    private String run(String dataset, Optional<Split> fit, Split test) throws Exception {
        client.ok("PUT", "/_cluster/settings", """
                {"persistent":{"plugins.cross_encoder.cache.size":"0b"}}""");
        test.collection().indexInto(client, dataset, 1);
        if (logitsStep && fit.isPresent()) {
            dumpLogits(dataset, fit.get());
            dumpLogits(dataset, test);
        }
        String table = tableStep ? rank(dataset, test) : "";
        client.ok("DELETE", "/" + dataset, null);
        return table;
    }

    /** Each model's logit for each of BM25's top 100 of each query, with the qrels' label: one TSV per model. */
    private void dumpLogits(String index, Split split) throws IOException {
        Files.createDirectories(output);
        for (String model : MODELS) {
            StringBuilder tsv = new StringBuilder("query_id\tdoc_id\tlabel\tlogit\n");
            for (BeirCollection.Query query : split.queries()) {
                Map<String, Integer> judgments = split.collection().judgments(query.id());
                List<Map<String, Object>> hits = search(index, "\"model\":\"" + model + "\"", query.text(), WINDOW)
                        .path("hits.hits");
                for (Map<String, Object> hit : hits) {
                    String id = (String) hit.get("_id");
                    tsv.append(query.id())
                            .append('\t')
                            .append(id)
                            .append('\t')
                            .append(judgments.getOrDefault(id, 0) >= 1 ? 1 : 0)
                            .append('\t')
                            .append(((Number) hit.get("_score")).floatValue())
                            .append('\n');
                }
            }
            Path file = output.resolve(index + "-" + split.name() + "-" + model + ".tsv");
            Files.writeString(file, tsv);
            System.out.printf(
                    Locale.ROOT, "%s: %d queries%n", file, split.queries().size());
        }
    }

    private String rank(String dataset, Split test) throws Exception {
        return TakingTurns.table(
                client,
                dataset,
                rows.stream().map(Row::name).toList(),
                test.collection(),
                test.queries(),
                (r, text) -> search(dataset, rows.get(r).clause(), text, 10));
    }

    /** BM25's top {@code WINDOW} on {@code contents}, reranked by a {@code cross_encoder} clause over title and text. */
    private RestClient.Response search(String index, String clause, String text, int size) throws IOException {
        return client.ok(
                "POST",
                "/" + index + "/_search",
                "{\"size\":" + size + ",\"_source\":false,\"query\":{\"match\":{\"contents\":"
                        + GlobalWindowBenchmark.quoted(text) + "}},\"rescore\":{\"window_size\":" + WINDOW
                        + ",\"cross_encoder\":{" + clause + ",\"query_text\":" + GlobalWindowBenchmark.quoted(text)
                        + ",\"fields\":[\"title\",\"text\"],\"score_mode\":\"replace\"}}}");
    }
}
