/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.eval;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.HdrHistogram.Histogram;
import org.crossencoder.opensearch.integ.RestClient;
import org.opensearch.common.xcontent.XContentFactory;
import org.opensearch.core.common.bytes.BytesReference;
import org.opensearch.core.xcontent.XContentBuilder;

/**
 * Production-safety under load, on a real node with the score cache off (every pair goes to the model):
 * <ol>
 * <li><b>Fair sharing</b>: a 100-hit rescore search, alone and then while a 1,000-passage {@code _rerank} runs
 * on the same node, taking turns round by round (this VM's speed drifts within minutes).</li>
 * <li><b>Mixed load</b>: several clients for a bounded time sending small and large rescores, rerank calls,
 * the response processor, searches cancelled by {@code cancel_after_time_interval} and searches with a short
 * {@code timeout}; it counts answers by status, reports p50/p99 per kind and samples the node's memory.</li>
 * </ol>
 * Writes its tables into {@code docs/benchmarks/results/}.
 *
 * <pre>scripts/load.sh [-Dload.rounds=5] [-Dload.minutes=3] [-Dload.clients=4] [-Deval.model=NAME]</pre>
 */
public final class LoadBenchmark {

    private static final String PIPELINE = "load-rerank";
    private static final String RERANK = "/_plugins/cross_encoder/_rerank";

    private final SoakNode node;
    private final RestClient client;
    private final String model;
    private final List<BeirCollection.Query> queries;
    private final List<String> passages;
    /** Answers with a 5xx status other than OpenSearch's own answer to a cancelled search. */
    private int serverErrors;

    private LoadBenchmark(SoakNode node, String model, List<BeirCollection.Query> queries, List<String> passages) {
        this.node = node;
        this.client = node.client();
        this.model = model;
        this.queries = queries;
        this.passages = passages;
    }

    public static void main(String[] args) throws Exception {
        try (SoakNode node =
                SoakNode.start("load-node", "minilm-l6-sci-cross-encoder", RelevanceEvaluation.DEPTH, "load")) {
            RelevanceEvaluation.Config config = node.config();
            List<String> passages = new ArrayList<>();
            config.collection().forEachDocument(d -> {
                if (passages.size() < 1000) {
                    passages.add((d.title() + " " + d.text()).strip());
                }
            });
            LoadBenchmark benchmark =
                    new LoadBenchmark(node, config.model(), config.collection().queries(), passages);
            String fairness = benchmark.fairness(Integer.getInteger("load.rounds", 5));
            String mixed =
                    benchmark.mixedLoad(Integer.getInteger("load.clients", 4), Integer.getInteger("load.minutes", 3));
            String report = String.format(
                    Locale.ROOT,
                    "Measured %s on %d cores (%s, Java %s) by `scripts/load.sh`: one node (heap 768 MiB), model `%s`, score cache "
                            + "off, %s passages, default inference settings (one inference thread, ONNX Runtime on every core).%n%n%s%n%s",
                    RelevanceEvaluation.today(),
                    Runtime.getRuntime().availableProcessors(),
                    System.getProperty("os.arch"),
                    System.getProperty("java.version"),
                    config.model(),
                    config.collection().name(),
                    fairness,
                    mixed);
            System.out.println(report);
            BenchmarkReport.update(config.report(), "speed:load", report);
            if (benchmark.serverErrors > 0) {
                throw new IllegalStateException(
                        benchmark.serverErrors + " requests were answered with a server error; see the table");
            }
        }
    }

    private String rescore(BeirCollection.Query query, int window, String timeout) throws IOException {
        XContentBuilder b = XContentFactory.jsonBuilder().startObject();
        b.field("size", Math.min(window, 10)).field("_source", false);
        if (timeout != null) {
            b.field("timeout", timeout);
        }
        b.startObject("query")
                .startObject("multi_match")
                .field("query", query.text())
                .array("fields", "title", "text")
                .endObject()
                .endObject();
        b.startObject("rescore").field("window_size", window);
        b.startObject("cross_encoder")
                .field("model", model)
                .field("query_text", query.text())
                .array("fields", "title", "text")
                .endObject();
        b.endObject();
        return BytesReference.bytes(b.endObject()).utf8ToString();
    }

    private String rerank(BeirCollection.Query query, int from, int count) throws IOException {
        XContentBuilder b = XContentFactory.jsonBuilder()
                .startObject()
                .field("model", model)
                .field("query_text", query.text());
        b.startArray("texts");
        for (int i = 0; i < count; i++) {
            b.value(passages.get((from + i) % passages.size()));
        }
        b.endArray();
        return BytesReference.bytes(b.endObject()).utf8ToString();
    }

    private String pipelined(BeirCollection.Query query, int size) throws IOException {
        XContentBuilder b = XContentFactory.jsonBuilder().startObject().field("size", size);
        b.startObject("query")
                .startObject("multi_match")
                .field("query", query.text())
                .array("fields", "title", "text")
                .endObject()
                .endObject();
        b.startObject("ext")
                .startObject("cross_encoder")
                .field("query_text", query.text())
                .endObject()
                .endObject();
        return BytesReference.bytes(b.endObject()).utf8ToString();
    }

    private long timed(String method, String path, String body) throws IOException {
        long start = System.nanoTime();
        client.ok(method, path, body);
        return (System.nanoTime() - start) / 1_000_000;
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> inference() throws IOException {
        Map<String, Map<String, Object>> nodes =
                client.ok("GET", "/_plugins/cross_encoder/_local/stats", null).path("nodes");
        return (Map<String, Object>) nodes.values().iterator().next().get("inference");
    }

    /** Each round: the search alone, then the same search once a 1,000-passage rerank is under way. */
    private String fairness(int rounds) throws Exception {
        timed("POST", "/" + RelevanceEvaluation.INDEX + "/_search", rescore(queries.get(0), 100, null)); // warm-up
        StringBuilder table = new StringBuilder(
                "### Fair sharing: a 100-hit rescore while a 1,000-passage `_rerank` runs\n\n"
                        + "| round | search alone ms | search beside the rerank ms | ratio | the rerank's own ms |\n|---|---|---|---|---|\n");
        List<Double> ratios = new ArrayList<>();
        ExecutorService background = Executors.newSingleThreadExecutor();
        try {
            for (int round = 1; round <= rounds; round++) {
                BeirCollection.Query query = queries.get(round % queries.size());
                String search = rescore(query, 100, null);
                long alone = timed("POST", "/" + RelevanceEvaluation.INDEX + "/_search", search);
                String large = rerank(query, round * 7, 1000);
                Future<Long> rerank = background.submit(() -> timed("POST", RERANK, large));
                while (((Number) inference().get("running")).intValue() == 0) {
                    Thread.sleep(20);
                }
                Thread.sleep(500); // well under way: its passages are tokenized and its batches running
                long beside = timed("POST", "/" + RelevanceEvaluation.INDEX + "/_search", search);
                boolean rerankStillRunning = rerank.isDone() == false;
                long rerankMillis = rerank.get(10, TimeUnit.MINUTES);
                if (rerankStillRunning == false) {
                    throw new IllegalStateException(
                            "the rerank ended before the search did: the round measured nothing");
                }
                double ratio = (double) beside / alone;
                ratios.add(ratio);
                String row = String.format(
                        Locale.ROOT, "| %d | %d | %d | %.2f | %d |%n", round, alone, beside, ratio, rerankMillis);
                System.out.print(row);
                table.append(row);
            }
        } finally {
            background.shutdownNow();
        }
        ratios.sort(Double::compare);
        table.append(String.format(
                Locale.ROOT,
                "%nMedian ratio %.2f (target: at most 3). The search's batches alternate with the rerank's by model time; "
                        + "without the scheduler it would wait for the whole rerank (its own ms above).%n",
                ratios.get(ratios.size() / 2)));
        return table.toString();
    }

    /** What one client sends, and how often. */
    private record Kind(String name, int weight, Request request) {}

    private interface Request {
        RestClient.Response send(BeirCollection.Query query, Random random) throws IOException;
    }

    private String mixedLoad(int clients, int minutes) throws Exception {
        client.ok(
                "PUT",
                "/_search/pipeline/" + PIPELINE,
                "{\"response_processors\":[{\"cross_encoder_rerank\":{\"model\":\"" + model
                        + "\",\"fields\":[\"title\",\"text\"]}}]}");
        String search = "/" + RelevanceEvaluation.INDEX + "/_search";
        List<Kind> kinds = List.of(
                new Kind("rescore window 10", 4, (q, r) -> client.request("POST", search, rescore(q, 10, null))),
                new Kind("rescore window 100", 2, (q, r) -> client.request("POST", search, rescore(q, 100, null))),
                new Kind(
                        "_rerank 50 texts",
                        2,
                        (q, r) -> client.request("POST", RERANK, rerank(q, r.nextInt(passages.size()), 50))),
                new Kind(
                        "response processor, 20 hits",
                        2,
                        (q, r) -> client.request("POST", search + "?search_pipeline=" + PIPELINE, pipelined(q, 20))),
                new Kind(
                        "rescore window 100, cancelled after 300ms",
                        1,
                        (q, r) -> client.request(
                                "POST", search + "?cancel_after_time_interval=300ms", rescore(q, 100, null))),
                new Kind(
                        "rescore window 100, timeout 300ms",
                        1,
                        (q, r) -> client.request("POST", search, rescore(q, 100, "300ms"))));
        int totalWeight = kinds.stream().mapToInt(Kind::weight).sum();
        Map<String, Histogram> latency = new ConcurrentHashMap<>();
        Map<String, Map<String, Integer>> outcomes = new ConcurrentHashMap<>();
        kinds.forEach(k -> {
            latency.put(k.name(), new Histogram(TimeUnit.MINUTES.toMillis(10), 2));
            outcomes.put(k.name(), new TreeMap<>());
        });
        List<String> memory = new ArrayList<>();
        memory.add(memoryRow("start"));
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<CompletableFuture<Void>> running = new ArrayList<>();
        long start = System.nanoTime();
        long end = start + TimeUnit.MINUTES.toNanos(minutes);
        for (int c = 0; c < clients; c++) {
            Random random = new Random(c);
            running.add(CompletableFuture.runAsync(
                    () -> {
                        while (stop.get() == false && System.nanoTime() < end) {
                            int pick = random.nextInt(totalWeight);
                            Kind kind = kinds.get(0);
                            for (Kind k : kinds) {
                                if (pick < k.weight()) {
                                    kind = k;
                                    break;
                                }
                                pick -= k.weight();
                            }
                            BeirCollection.Query query = queries.get(random.nextInt(queries.size()));
                            long sent = System.nanoTime();
                            String outcome;
                            try {
                                RestClient.Response response = kind.request().send(query, random);
                                outcome = outcome(response);
                            } catch (IOException e) {
                                outcome = "client error " + e.getClass().getSimpleName();
                            }
                            long millis = (System.nanoTime() - sent) / 1_000_000;
                            synchronized (latency.get(kind.name())) {
                                latency.get(kind.name()).recordValue(Math.max(1, millis));
                            }
                            synchronized (outcomes.get(kind.name())) {
                                outcomes.get(kind.name()).merge(outcome, 1, Integer::sum);
                            }
                        }
                    },
                    pool));
        }
        long nextSample = start + TimeUnit.SECONDS.toNanos(30);
        while (running.stream().allMatch(CompletableFuture::isDone) == false) {
            Thread.sleep(200);
            if (System.nanoTime() >= nextSample) {
                memory.add(memoryRow(String.format(Locale.ROOT, "%.1f min", (System.nanoTime() - start) / 60e9)));
                nextSample += TimeUnit.SECONDS.toNanos(30);
            }
        }
        pool.shutdown();
        memory.add(memoryRow("end"));
        Map<String, Object> stats = inference();

        StringBuilder table = new StringBuilder(String.format(
                Locale.ROOT,
                "### Mixed load: %d clients for %d minutes%n%n| request | sent | answers | p50 ms | p99 ms |%n|---|---|---|---|---|%n",
                clients,
                minutes));
        for (Kind kind : kinds) {
            Histogram h = latency.get(kind.name());
            Map<String, Integer> answers = outcomes.get(kind.name());
            for (Map.Entry<String, Integer> answer : answers.entrySet()) {
                if (answer.getKey().startsWith("5") && answer.getKey().equals(CANCELLED) == false) {
                    serverErrors += answer.getValue();
                }
            }
            table.append(String.format(
                    Locale.ROOT,
                    "| %s | %d | %s | %d | %d |%n",
                    kind.name(),
                    h.getTotalCount(),
                    answers.toString().replaceAll("[{}]", "").replace("=", ": "),
                    h.getValueAtPercentile(50),
                    h.getValueAtPercentile(99)));
        }
        table.append(String.format(
                Locale.ROOT,
                "%nAnswers with status 5xx other than `" + CANCELLED
                        + "` (which is how OpenSearch itself answers a cancelled "
                        + "search, e.g. a slow `script_score` query with `cancel_after_time_interval`): **%d**. The node's own counters afterwards: %s requests, %s errors, %s cancelled, %s "
                        + "timed out, %s queue rejections.%n%n| when | resident memory MiB | heap used MiB |%n|---|---|---|%n%s",
                serverErrors,
                stats.get("requests"),
                stats.get("errors"),
                stats.get("cancelled"),
                stats.get("timed_out"),
                stats.get("queue_rejections"),
                String.join("", memory)));
        return table.toString();
    }

    /** OpenSearch's own answer to a search whose task was cancelled: HTTP 500, all shards failed with this cause. */
    private static final String CANCELLED = "500 task_cancelled_exception";

    /** The status, and for an error the type of its cause, e.g. {@code 200} or {@code 400 task_cancelled_exception}. */
    private static String outcome(RestClient.Response response) {
        if (response.status() == 200) {
            return Boolean.TRUE.equals(response.path("timed_out")) ? "200 timed_out" : "200";
        }
        Object type = response.path("error.root_cause.0.type");
        return response.status() + (type == null ? "" : " " + type);
    }

    private String memoryRow(String when) throws IOException {
        SoakNode.Memory memory = node.memory();
        return String.format(Locale.ROOT, "| %s | %d | %d |%n", when, memory.residentMib(), memory.heapUsedMib());
    }
}
