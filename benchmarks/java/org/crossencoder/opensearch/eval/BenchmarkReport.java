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
import java.util.List;
import java.util.Locale;

/** Writes a benchmark's tables into {@code docs/benchmarks/results/}, one file per measured configuration. */
public final class BenchmarkReport {

    private BenchmarkReport() {}

    static String table(RelevanceEvaluation.Config config, List<RelevanceEvaluation.SystemResult> results) {
        StringBuilder table = new StringBuilder();
        int queries = results.get(0).queries();
        table.append(String.format(
                Locale.ROOT,
                "### %s: %d %s queries, model `%s`, window %d%n%n",
                config.collection().name(),
                queries,
                config.split(),
                config.model(),
                config.window()));
        table.append(String.format(
                Locale.ROOT,
                "Measured %s on %d cores (%s, Java %s) by `scripts/eval.sh %s %s%s%s%s`.%n",
                RelevanceEvaluation.today(),
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.arch"),
                System.getProperty("java.version"),
                config.collection().name(),
                config.model(),
                runOptions(config),
                config.queryLimit() < Integer.MAX_VALUE ? " -Deval.queries=" + config.queryLimit() : "",
                config.split().equals("test") ? "" : " -Deval.split=" + config.split()));
        if (config.randomWeights()) {
            table.append(
                    "**The model has random weights: its rows test the plumbing end to end and are not a quality claim.**\n");
        }
        table.append(
                "\n| dataset | system | nDCG@10 | MRR@10 | Recall@100 | p50 ms/query | pairs/s | published reference |\n");
        table.append("|---|---|---|---|---|---|---|---|\n");
        for (RelevanceEvaluation.SystemResult result : results) {
            table.append(String.format(
                    Locale.ROOT,
                    "| %s | %s | %.4f | %.4f | %.4f | %d | %s | %s |%n",
                    config.collection().name(),
                    result.system(),
                    result.ndcg10(),
                    result.mrr10(),
                    result.recall100(),
                    result.p50Millis(),
                    result.reranks()
                            ? String.format(Locale.ROOT, "%.1f", config.window() * 1000 / result.meanMillis())
                            : "",
                    result.reference()));
        }
        if (config.sideBySide()) {
            table.append(sideBySideResults(config, results));
        }
        Path output = config.output().toAbsolutePath();
        Path here = Path.of("").toAbsolutePath();
        table.append(String.format(
                Locale.ROOT,
                "%nPer-query metrics (`.tsv`) and TREC run files (`.run`): `%s`.%n",
                output.startsWith(here) ? here.relativize(output) : output));
        return table.toString();
    }

    /**
     * One {@code Side-by-side result:} line per row of ours (the float model's and each lever's) against neural-search
     * with ML Commons in the same run: the speed target's ratios and the nDCG@10 differences, with whether the run
     * judged the whole split ({@code full}) and on how many queries.
     */
    private static String sideBySideResults(
            RelevanceEvaluation.Config config, List<RelevanceEvaluation.SystemResult> results) {
        RelevanceEvaluation.SystemResult mlCommons = results.stream()
                .filter(result -> result.system().contains("neural-search rerank + ml-commons"))
                .findFirst()
                .orElseThrow();
        RelevanceEvaluation.SystemResult ours = results.get(2);
        StringBuilder lines = new StringBuilder("\n");
        for (RelevanceEvaluation.SystemResult result : results) {
            if (result == ours || result.reference().startsWith("lever: ")) {
                lines.append(String.format(
                        Locale.ROOT,
                        "Side-by-side result (%s, %s, %d queries): %s vs ML Commons: pairs/s ratio %.2f, p50 ratio %.2f,"
                                + " nDCG@10 delta %+.4f (%+.4f against our float row).%n",
                        config.collection().name(),
                        config.queryLimit() == Integer.MAX_VALUE ? "full" : "first " + config.queryLimit(),
                        result.queries(),
                        result.system(),
                        mlCommons.meanMillis() / result.meanMillis(),
                        (double) result.p50Millis() / mlCommons.p50Millis(),
                        result.ndcg10() - mlCommons.ndcg10(),
                        result.ndcg10() - ours.ndcg10()));
            }
        }
        return lines.toString();
    }

    /** The options that made this run, as {@code scripts/eval.sh} takes them, so that the command reruns it. */
    private static String runOptions(RelevanceEvaluation.Config config) {
        StringBuilder options = new StringBuilder();
        if (config.sideBySide()) {
            String mlCommonsModel = config.mlCommonsModel().getFileName().toString();
            options.append(" -Deval.side-by-side=true");
            if (mlCommonsModel.equals(config.model()) == false) {
                options.append(" -Deval.ml-commons-model=").append(mlCommonsModel);
            }
            if (RelevanceEvaluation.RESPONSE_PROCESSOR == false) {
                options.append(" -Deval.response-processor=false");
            }
        }
        if (config.firstStages()) {
            options.append(" -Deval.first-stages=true");
        }
        if (RelevanceEvaluation.RERANK_FIELDS.equals(List.of("title", "text")) == false) {
            options.append(" -Deval.fields=").append(String.join(",", RelevanceEvaluation.RERANK_FIELDS));
        }
        if (RelevanceEvaluation.COMBINATIONS.isEmpty()) {
            options.append(" -Deval.score-modes=false");
        }
        if (RelevanceEvaluation.NODE_SETTINGS.isEmpty() == false) {
            options.append(" -Deval.node-settings=")
                    .append(String.join(
                            ",",
                            RelevanceEvaluation.NODE_SETTINGS.entrySet().stream()
                                    .map(setting -> setting.getKey() + "=" + setting.getValue())
                                    .toList()));
        }
        if (RelevanceEvaluation.LEVERS.isEmpty() == false) {
            options.append(" -Deval.levers=")
                    .append(String.join(
                            ",",
                            RelevanceEvaluation.LEVERS.stream()
                                    .map(lever -> lever.getFileName().toString())
                                    .toList()));
        }
        return options.toString();
    }

    /**
     * Writes one measured configuration's table as its own file, {@code <directory>/<key>.md}, replacing what an
     * earlier run of the same configuration wrote: generated tables live apart from the prose in docs/benchmarks/.
     */
    public static void update(Path directory, String key, String table) throws IOException {
        if (directory == null || directory.toString().equals("none")) {
            return;
        }
        Files.createDirectories(directory);
        Files.writeString(
                directory.resolve(fileName(key)),
                "<!-- " + key + ": generated by the benchmark that measured it; a rerun replaces this file -->\n"
                        + table.stripTrailing() + "\n");
    }

    /** A file name for a configuration's key: what is not a letter, digit, dot, underscore or dash becomes a dash. */
    static String fileName(String key) {
        return key.replaceAll("[^A-Za-z0-9._-]+", "-").replaceAll("^-+|-+$", "") + ".md";
    }
}
