/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.engine;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.crossencoder.opensearch.engine.CrossEncoderModel.Spinning;
import org.crossencoder.opensearch.eval.BenchmarkReport;
import org.crossencoder.opensearch.settings.CrossEncoderSettings;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.common.xcontent.json.JsonXContent;

/**
 * Speed of the inference engine alone (no OpenSearch): rerank requests of 100 (query, passage) pairs from
 * the TREC DL 2019 passage subset through a MiniLM-L6-sized model, for several batch sizes, thread counts
 * and with or without sorting pairs by length; plus the machine's peak float32 MatMul rate through ONNX
 * Runtime, to say how close the engine gets. Run by {@code scripts/bench.sh}; not a test.
 */
public final class EngineBenchmark {

    /** BERT MiniLM-L6-H384 (../shared/models/minilm-l6-shape-random/README.md). */
    private static final int HIDDEN = 384, LAYERS = 6, FFN = 1536;

    private static final int PAIRS_PER_REQUEST = 100;

    /** How long the benchmark watches the process's CPU time after each request. */
    private static final int IDLE_MILLIS = 100;

    record Config(
            Path model,
            int batchSize,
            int batchTokens,
            int threads,
            boolean sorted,
            OrtSession.SessionOptions.OptLevel optimization,
            boolean arena,
            Spinning spinning,
            boolean exactLevers) {
        Config(Path model, int batchSize, int threads, boolean sorted) {
            this(model, batchSize, Integer.MAX_VALUE, threads, sorted);
        }

        Config(Path model, int batchSize, int batchTokens, int threads, boolean sorted) {
            this(
                    model,
                    batchSize,
                    batchTokens,
                    threads,
                    sorted,
                    OrtSession.SessionOptions.OptLevel.ALL_OPT,
                    true,
                    Spinning.DURING_RUN,
                    true);
        }

        Config(
                Path model,
                int batchTokens,
                OrtSession.SessionOptions.OptLevel optimization,
                boolean arena,
                Spinning spinning) {
            this(model, 8, batchTokens, 2, true, optimization, arena, spinning, true);
        }
    }

    public static void main(String[] args) throws Exception {
        Path modelDir = Paths.get(System.getProperty("bench.model"));
        Path dataset = Paths.get(System.getProperty("bench.dataset"));
        int requests = Integer.getInteger("bench.requests", 3);
        int rounds = Integer.getInteger("bench.rounds", 4);
        List<String> queries = texts(dataset.resolve("queries.jsonl"));
        List<String> passages = texts(dataset.resolve("corpus.jsonl"));

        // First, while no other model has touched the process's memory.
        String memory = memory(modelDir, queries, passages, 32);
        StringBuilder report = new StringBuilder();
        report.append(String.format(
                Locale.ROOT,
                "### Inference engine alone%n%nMeasured %s on %d cores (%s, Java %s) by `scripts/bench.sh`: %d rounds of %d requests "
                        + "of %d (query, passage) pairs from `%s` per row, rows taking turns round by round, "
                        + "model `%s` (MiniLM-L6 size, fp32), after one warm-up request per row. GFLOP/s counts the dense work of BERT-L6-H384 on the real (unpadded) tokens, all of it even where an exact lever skips some.%n%n",
                LocalDate.now(ZoneOffset.UTC),
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.arch"),
                System.getProperty("java.version"),
                rounds,
                requests,
                PAIRS_PER_REQUEST,
                dataset.getFileName(),
                modelDir.getFileName()));
        String matmulProperty = System.getProperty("bench.matmul");
        Path matmul = matmulProperty == null || Files.exists(Paths.get(matmulProperty)) == false
                ? null
                : Paths.get(matmulProperty);
        if (matmul != null) {
            report.append(String.format(
                    Locale.ROOT,
                    "Peak: ONNX Runtime float32 MatMul 1024x1024x1024, 1 thread %.1f GFLOP/s, 2 threads %.1f GFLOP/s before the rows",
                    matmulGflops(matmul, 1),
                    matmulGflops(matmul, 2)));
        }
        StringBuilder table = new StringBuilder();
        table.append(String.format(
                Locale.ROOT,
                "| model | batch size | batch tokens | intra-op threads | sorted by length | graph optimisation | memory arena | threads spin | exact levers | p50 ms / 100 pairs | pairs/s | padding overhead | GFLOP/s | CPU ms in the %d ms after a request |\n",
                IDLE_MILLIS));
        table.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        OrtSession.SessionOptions.OptLevel all = OrtSession.SessionOptions.OptLevel.ALL_OPT;
        int pluginTokens = CrossEncoderSettings.BATCH_TOKENS.getDefault(Settings.EMPTY);
        List<Config> configs = new ArrayList<>(List.of(
                // Batches bounded in pairs only.
                new Config(modelDir, 32, 2, true),
                new Config(modelDir, 32, 2, false),
                new Config(modelDir, 1, 2, true),
                new Config(modelDir, 8, 2, true),
                new Config(modelDir, 100, 2, true),
                new Config(modelDir, 32, 1, true),
                // The plugin's defaults, and each of its other choices changed alone.
                new Config(modelDir, 8, pluginTokens, 2, true),
                new Config(modelDir, 8, 512, 2, true),
                new Config(modelDir, 8, 2048, 2, true),
                new Config(
                        modelDir,
                        pluginTokens,
                        OrtSession.SessionOptions.OptLevel.BASIC_OPT,
                        true,
                        Spinning.DURING_RUN),
                new Config(
                        modelDir, pluginTokens, OrtSession.SessionOptions.OptLevel.NO_OPT, true, Spinning.DURING_RUN),
                new Config(modelDir, pluginTokens, all, false, Spinning.DURING_RUN),
                new Config(modelDir, pluginTokens, all, true, Spinning.OFF),
                new Config(modelDir, pluginTokens, all, true, Spinning.ALWAYS),
                new Config(modelDir, 8, pluginTokens, 2, true, all, true, Spinning.DURING_RUN, false),
                // As ML Commons runs: one pair per call, ONNX Runtime's default spinning, the graph as exported.
                new Config(modelDir, 1, Integer.MAX_VALUE, 2, true, all, true, Spinning.ALWAYS, false),
                new Config(modelDir, 1, Integer.MAX_VALUE, 2, true, all, true, Spinning.OFF, false)));
        String int8Property = System.getProperty("bench.int8");
        Path int8 = int8Property == null ? null : Paths.get(int8Property);
        if (int8 != null && Files.exists(int8.resolve(CrossEncoderModel.MODEL_FILE))) {
            configs.add(new Config(int8, 8, 2, true));
        } else {
            int8 = null;
        }
        // Other files of the same model (e.g. models/cls-last-layer.py's), at the default settings.
        for (String variant : System.getProperty("bench.variants", "").split(",")) {
            if (variant.isBlank() == false) {
                configs.add(new Config(Paths.get(variant.strip()), 8, 2, true));
            }
        }
        // This virtual machine's speed drifts by 20% and more over minutes, so every configuration runs a few
        // requests per round, round after round, and none gets only the fast or only the slow minutes.
        List<Measurement> measurements = new ArrayList<>();
        try {
            for (Config config : configs) {
                measurements.add(new Measurement(config, queries, passages));
            }
            for (int round = 0; round < rounds; round++) {
                for (Measurement measurement : measurements) {
                    measurement.measure(round, requests);
                }
            }
            for (Measurement measurement : measurements) {
                table.append(measurement.row());
            }
        } finally {
            measurements.forEach(Measurement::close);
        }
        if (matmul != null) {
            report.append(String.format(Locale.ROOT, ", 2 threads %.1f GFLOP/s after them", matmulGflops(matmul, 2)));
        }
        report.append("\n\n").append(table);
        if (int8 != null) {
            report.append(agreement(modelDir, int8, queries, passages, requests * rounds));
        }
        report.append(tokenization(modelDir, queries, passages, requests * rounds));
        report.append(memory);
        System.out.println(report);
        BenchmarkReport.update(Paths.get(System.getProperty("bench.report")), "speed:engine", report.toString());
    }

    /** One configuration's loaded model and what its requests measured so far. */
    private static final class Measurement implements AutoCloseable {
        private final Config config;
        private final List<String> queries;
        private final List<String> passages;
        private final CrossEncoderModel model;
        private final PairEncoder encoder;
        private final List<Double> millis = new ArrayList<>();
        private double realTokens, paddedTokens, flops, seconds, idleCpuMillis;

        Measurement(Config config, List<String> queries, List<String> passages) throws Exception {
            this.config = config;
            this.queries = queries;
            this.passages = passages;
            CrossEncoderModel.InferenceOptions options = new CrossEncoderModel.InferenceOptions(
                    config.batchSize(),
                    config.batchTokens(),
                    config.threads(),
                    config.sorted(),
                    config.optimization(),
                    config.arena(),
                    config.spinning(),
                    config.exactLevers());
            this.model = CrossEncoderModel.load("bench", config.model(), options);
            this.encoder = new PairEncoder(
                    config.model(), model.config().maxLength(), model.config().truncation());
            model.score(queries.get(0), window(passages, 0)); // warm-up
        }

        /** Requests {@code round * requests + 1 ...}: every configuration sees the same requests. */
        void measure(int round, int requests) throws Exception {
            for (int r = round * requests; r < (round + 1) * requests; r++) {
                String query = queries.get(r % queries.size());
                List<String> window = window(passages, r + 1);
                Encoding[] encodings = encoder.encode(query, window);
                int[] lengths = Arrays.stream(encodings)
                        .mapToInt(e -> e.getIds().length)
                        .toArray();
                realTokens += Arrays.stream(lengths).sum();
                paddedTokens += padded(lengths, config);
                flops += Arrays.stream(lengths)
                        .mapToDouble(EngineBenchmark::flopsPerPair)
                        .sum();
                long start = System.nanoTime();
                model.score(query, window);
                double elapsed = (System.nanoTime() - start) / 1e6;
                millis.add(elapsed);
                seconds += elapsed / 1000;
                idleCpuMillis += cpuMillisWhileIdle();
            }
        }

        /**
         * The process's CPU time over the {@value #IDLE_MILLIS} ms after a request returned, with nothing to run:
         * what ONNX Runtime's threads take from the node between requests.
         */
        private static double cpuMillisWhileIdle() throws InterruptedException {
            long before = processCpuNanos();
            Thread.sleep(IDLE_MILLIS);
            return (processCpuNanos() - before) / 1e6;
        }

        private static long processCpuNanos() {
            return ProcessHandle.current()
                    .info()
                    .totalCpuDuration()
                    .orElseThrow()
                    .toNanos();
        }

        String row() {
            double p50 = millis.stream().sorted().toList().get(millis.size() / 2);
            return String.format(
                    Locale.ROOT,
                    "| %s | %d | %s | %d | %s | %s | %s | %s | %s | %.0f | %.1f | %.0f%% | %.1f | %.0f |%n",
                    config.model().getFileName(),
                    config.batchSize(),
                    config.batchTokens() == Integer.MAX_VALUE ? "-" : Integer.toString(config.batchTokens()),
                    config.threads(),
                    config.sorted() ? "yes" : "no",
                    config.optimization().name().toLowerCase(Locale.ROOT).replace("_opt", ""),
                    config.arena() ? "on" : "off",
                    config.spinning().name().toLowerCase(Locale.ROOT).replace('_', ' '),
                    model.exactLevers().applied().isEmpty()
                            ? "none"
                            : String.join(", ", model.exactLevers().applied()),
                    p50,
                    millis.size() * PAIRS_PER_REQUEST / seconds,
                    100 * (paddedTokens / realTokens - 1),
                    flops / seconds / 1e9,
                    idleCpuMillis / millis.size());
        }

        @Override
        public void close() {
            encoder.close();
            model.close();
        }
    }

    /** How far the int8 variant's order is from the float model's on the same requests. */
    private static String agreement(
            Path floatModel, Path int8Model, List<String> queries, List<String> passages, int requests)
            throws Exception {
        CrossEncoderModel.InferenceOptions options = new CrossEncoderModel.InferenceOptions(8, 2);
        double overlap = 0, spearman = 0;
        try (CrossEncoderModel f = CrossEncoderModel.load("float", floatModel, options);
                CrossEncoderModel q = CrossEncoderModel.load("int8", int8Model, options)) {
            for (int r = 0; r < requests; r++) {
                String query = queries.get(r % queries.size());
                List<String> window = window(passages, r + 1);
                int[] a = ranks(f.score(query, window));
                int[] b = ranks(q.score(query, window));
                long common = java.util.stream.IntStream.range(0, a.length)
                        .filter(i -> a[i] < 10 && b[i] < 10)
                        .count();
                overlap += common / 10.0;
                double d2 = java.util.stream.IntStream.range(0, a.length)
                        .mapToDouble(i -> Math.pow(a[i] - b[i], 2))
                        .sum();
                spearman += 1 - 6 * d2 / (a.length * ((double) a.length * a.length - 1));
            }
        }
        return String.format(
                Locale.ROOT,
                "%nint8 against float on the same %d requests: top-10 overlap %.2f, Spearman rank correlation %.3f "
                        + "(random weights: how a trained model's order survives int8 has to be measured with that model).%n",
                requests,
                overlap / requests,
                spearman / requests);
    }

    /**
     * What tokenizing the query once per request could save: a request's pairs encoded as the engine does it,
     * against its passages alone (the work left if the query's tokens were reused), next to the inference.
     */
    private static String tokenization(Path modelDir, List<String> queries, List<String> passages, int requests)
            throws Exception {
        double pairsMillis = 0, passagesMillis = 0, inferenceMillis = 0;
        try (CrossEncoderModel model =
                        CrossEncoderModel.load("tokens", modelDir, new CrossEncoderModel.InferenceOptions(8, 2));
                PairEncoder encoder = new PairEncoder(
                        modelDir, model.config().maxLength(), model.config().truncation());
                HuggingFaceTokenizer passageTokenizer = HuggingFaceTokenizer.builder()
                        .optTokenizerPath(modelDir.resolve(CrossEncoderModel.TOKENIZER_FILE))
                        .optMaxLength(model.config().maxLength())
                        .optPadding(false)
                        .build()) {
            for (int r = -1; r < requests; r++) {
                String query = queries.get(Math.max(0, r) % queries.size());
                List<String> window = window(passages, r + 1);
                long start = System.nanoTime();
                encoder.encode(query, window);
                long paired = System.nanoTime();
                passageTokenizer.batchEncode(window);
                long alone = System.nanoTime();
                model.score(query, window);
                long scored = System.nanoTime();
                if (r >= 0) { // the first round warms up
                    pairsMillis += (paired - start) / 1e6;
                    passagesMillis += (alone - paired) / 1e6;
                    inferenceMillis += (scored - alone) / 1e6;
                }
            }
        }
        return String.format(
                Locale.ROOT,
                "%nTokenization, mean per request of %d pairs: %.1f ms as (query, passage) pairs, %.1f ms for the passages alone; "
                        + "scoring the request (tokenization included) %.0f ms. Tokenizing the query once could save at most %.1f ms "
                        + "(%.2f%% of a request).%n",
                PAIRS_PER_REQUEST,
                pairsMillis / requests,
                passagesMillis / requests,
                inferenceMillis / requests,
                (pairsMillis - passagesMillis) / requests,
                100 * (pairsMillis - passagesMillis) / inferenceMillis);
    }

    /** Resident memory one loaded model adds to the process, and whether it grows with requests. */
    private static String memory(Path modelDir, List<String> queries, List<String> passages, int requests)
            throws Exception {
        long before = residentKib();
        try (CrossEncoderModel model =
                CrossEncoderModel.load("memory", modelDir, new CrossEncoderModel.InferenceOptions(8, 2))) {
            model.score(queries.get(0), window(passages, 0));
            long loaded = residentKib();
            for (int r = 0; r < requests; r++) {
                model.score(queries.get(r % queries.size()), window(passages, r));
            }
            long after = residentKib();
            return String.format(
                    Locale.ROOT,
                    "%nMemory (process RSS): loading the model and one request add %d MiB; %d more requests add %d MiB.%n",
                    (loaded - before) / 1024,
                    requests,
                    (after - loaded) / 1024);
        }
    }

    private static long residentKib() throws Exception {
        for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }

    /** Rank of each score, 0 for the highest. */
    private static int[] ranks(float[] scores) {
        Integer[] order =
                java.util.stream.IntStream.range(0, scores.length).boxed().toArray(Integer[]::new);
        Arrays.sort(order, (x, y) -> Float.compare(scores[y], scores[x]));
        int[] ranks = new int[scores.length];
        for (int rank = 0; rank < order.length; rank++) {
            ranks[order[rank]] = rank;
        }
        return ranks;
    }

    /** Dense FLOPs of one pair of {@code n} tokens: projections and FFN per token, plus attention over the pair. */
    private static double flopsPerPair(int n) {
        double perTokenPerLayer = 2.0 * (4.0 * HIDDEN * HIDDEN + 2.0 * HIDDEN * FFN) + 2.0 * 2.0 * HIDDEN * n;
        return perTokenPerLayer * n * LAYERS;
    }

    /** Tokens the model actually runs: every row of a batch padded to that batch's longest. */
    private static double padded(int[] lengths, Config config) {
        int[] order = config.sorted() ? Arrays.stream(lengths).sorted().toArray() : lengths;
        double total = 0;
        for (int start = 0, end; start < order.length; start = end) {
            end = PairScoring.batchEnd(order, start, config.batchSize(), config.batchTokens());
            total += (double) (end - start)
                    * Arrays.stream(order, start, end).max().orElse(0);
        }
        return total;
    }

    private static List<String> window(List<String> passages, int request) {
        List<String> window = new ArrayList<>(PAIRS_PER_REQUEST);
        for (int i = 0; i < PAIRS_PER_REQUEST; i++) {
            window.add(passages.get((request * PAIRS_PER_REQUEST + i) % passages.size()));
        }
        return window;
    }

    private static double matmulGflops(Path model, int threads) throws Exception {
        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        int n = 1024;
        float[] values = new float[n * n];
        Arrays.fill(values, 0.5f);
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(threads);
            try (OrtSession session = environment.createSession(model.toString(), options);
                    OnnxTensor a = OnnxTensor.createTensor(environment, FloatBuffer.wrap(values), new long[] {n, n});
                    OnnxTensor b = OnnxTensor.createTensor(environment, FloatBuffer.wrap(values), new long[] {n, n})) {
                Map<String, OnnxTensor> inputs = Map.of("A", a, "B", b);
                session.run(inputs).close();
                int runs = 20;
                long start = System.nanoTime();
                for (int i = 0; i < runs; i++) {
                    session.run(inputs).close();
                }
                return runs * 2.0 * n * n * n / ((System.nanoTime() - start) / 1e9) / 1e9;
            }
        }
    }

    private static List<String> texts(Path jsonl) throws Exception {
        List<String> texts = new ArrayList<>();
        for (String line : Files.readAllLines(jsonl)) {
            if (line.isBlank() == false) {
                texts.add((String) XContentHelper.convertToMap(JsonXContent.jsonXContent, line, false)
                        .get("text"));
            }
        }
        return texts;
    }
}
