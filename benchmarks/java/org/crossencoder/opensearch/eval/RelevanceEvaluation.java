/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.eval;

import ai.onnxruntime.OrtException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.crossencoder.opensearch.integ.OpenSearchNode;
import org.crossencoder.opensearch.integ.RestClient;
import org.opensearch.common.xcontent.XContentFactory;
import org.opensearch.core.common.bytes.BytesReference;
import org.opensearch.core.xcontent.XContentBuilder;

/**
 * Indexes a BEIR collection into a real node with the plugin, runs every judged query through BM25 and through
 * BM25 + the {@code cross_encoder} rescore, and reports nDCG@10, MRR@10 and Recall@100 (see {@link Metrics}).
 * Writes a TREC run file and per-query metrics per system, and its table into {@code docs/benchmarks/results/}.
 *
 * <pre>mvn -Peval verify -Deval.dataset=scifact -Deval.model=minilm-l6-sci-cross-encoder</pre>
 */
public final class RelevanceEvaluation {

    static final String INDEX = "eval";
    static final int DEPTH = 100;

    /**
     * What to run. {@code model} names a directory of {@code modelsSource}; {@code split} is the collection's split
     * ({@code test}, or {@code dev} to fit a blend or a calibration on, see {@link BeirCollection#loadSplit}).
     */
    public record Config(
            BeirCollection collection,
            String split,
            Path modelsSource,
            String model,
            int queryLimit,
            int window,
            Path output,
            Path report,
            Path mlCommonsModel,
            Path embeddingJar) {
        boolean randomWeights() {
            return model.contains("random");
        }

        /** Whether neural-search's rerank with ML Commons runs too, with {@code mlCommonsModel}. */
        boolean sideBySide() {
            return mlCommonsModel != null;
        }

        /** Whether the kNN and hybrid first stages run too, with vectors from {@link Embedder}. */
        boolean firstStages() {
            return embeddingJar != null;
        }
    }

    /** One system's averages over the judged queries; {@code meanMillis} per query, as the client saw it. */
    public record SystemResult(
            String system,
            String reference,
            int queries,
            double ndcg10,
            double mrr10,
            double recall100,
            long p50Millis,
            double meanMillis,
            boolean reranks) {}

    private interface Search {
        String body(BeirCollection.Query query) throws Exception;
    }

    /**
     * A system: how to search, and through which search pipeline (null for none). A reranking system searches
     * with an empty score cache, so that its pairs go through a model, unless {@code warmCache} says it repeats
     * the search of the system before it.
     */
    private record SearchSystem(
            String name, String reference, String pipeline, boolean reranks, boolean warmCache, Search search) {
        SearchSystem(String name, String reference, String pipeline, boolean reranks, Search search) {
            this(name, reference, pipeline, reranks, false, search);
        }
    }

    static final String OUR_PIPELINE = "cross-encoder-rerank";

    /** The fields the cross-encoder reads: title and text joined, or as {@code -Deval.fields=text} says. */
    static final List<String> RERANK_FIELDS =
            List.of(System.getProperty("eval.fields", "title,text").split(","));

    /**
     * Whether a side-by-side run also reranks through our response processor ({@code -Deval.response-processor=false}
     * leaves that row out: it reads the same pairs as our rescore row, and whole collections take hours here).
     */
    static final boolean RESPONSE_PROCESSOR =
            Boolean.parseBoolean(System.getProperty("eval.response-processor", "true"));

    /**
     * Other versions of the model to rerank with in the same run, each a model directory ({@code -Deval.levers=DIR,...}:
     * an int8 variant, a shorter {@code max_length}, ...): each gets a row of its own, taking turns with the others.
     */
    static final List<Path> LEVERS = Arrays.stream(
                    System.getProperty("eval.levers", "").split(","))
            .filter(lever -> lever.isBlank() == false)
            .map(lever -> Paths.get(lever).toAbsolutePath())
            .toList();

    /**
     * Node settings of the run ({@code -Deval.node-settings=key=value,...}), e.g. another inference batch size: the
     * report's section and command say them.
     */
    static final Map<String, String> NODE_SETTINGS = Arrays.stream(
                    System.getProperty("eval.node-settings", "").split(","))
            .filter(setting -> setting.isBlank() == false)
            .map(setting -> setting.split("=", 2))
            .collect(Collectors.toMap(kv -> kv[0].strip(), kv -> kv[1].strip(), (a, b) -> b, TreeMap::new));

    /** A way the rescorer combines the BM25 and cross-encoder scores: its options, as a request spells them. */
    record Combination(Map<String, Object> options) {
        /** The model's own ranking, asked for explicitly: the plugin's default blends it with BM25. */
        static final Combination REPLACE = new Combination(Map.of("score_mode", "replace"));

        static Combination weighted(String scoreMode, float queryWeight, float rescoreQueryWeight) {
            Map<String, Object> options = new LinkedHashMap<>();
            options.put("score_mode", scoreMode);
            options.put("query_weight", queryWeight);
            options.put("rescore_query_weight", rescoreQueryWeight);
            return new Combination(options);
        }

        static Combination interpolated(String normalization, float weight) {
            Map<String, Object> options = new LinkedHashMap<>();
            options.put("score_mode", "interpolate");
            options.put("normalization", normalization);
            options.put("weight", weight);
            return new Combination(options);
        }

        @Override
        public String toString() {
            StringBuilder text = new StringBuilder();
            options.forEach((key, value) -> text.append(text.isEmpty() ? "" : ", ")
                    .append(key)
                    .append(' ')
                    .append(value));
            return text.toString();
        }
    }

    /**
     * The rescorer's combinations beside {@code replace} (the reranked row): BM25 scores here run 5-60 and the
     * model's logits about -10 to 10, so an unweighted sum leans on BM25; the weighted sums try both balances, and
     * {@code interpolate} normalizes both over the window before blending them with a weight from 0 (BM25 alone)
     * to 1 (the model alone).
     */
    static final List<Combination> COMBINATIONS =
            Boolean.parseBoolean(System.getProperty("eval.score-modes", "true")) ? combinations() : List.of();

    private static List<Combination> combinations() {
        List<Combination> combinations = new ArrayList<>(List.of(
                Combination.weighted("total", 1, 1),
                Combination.weighted("total", 0.1f, 1),
                Combination.weighted("total", 1, 5),
                Combination.weighted("multiply", 1, 1),
                Combination.weighted("max", 1, 1),
                Combination.weighted("min", 1, 1)));
        for (String normalization : List.of("min_max", "reciprocal_rank")) {
            for (float weight : new float[] {0f, 0.25f, 0.5f, 0.75f, 1f}) {
                combinations.add(Combination.interpolated(normalization, weight));
            }
        }
        return List.copyOf(combinations);
    }

    private final RestClient client;
    private final Config config;
    /** Null unless the first stages run. */
    private Embedder embedder;

    public RelevanceEvaluation(RestClient client, Config config) {
        this.client = client;
        this.config = config;
    }

    public static void main(String[] args) throws Exception {
        Path datasets = Paths.get(System.getProperty("eval.datasets.dir"));
        String dataset = System.getProperty("eval.dataset", "scifact");
        String modelProperty = System.getProperty("eval.model", "minilm-l6-sci-cross-encoder");
        Path modelDir = modelDir(modelProperty);
        // ML Commons gets the same model unless told otherwise, e.g. to set an int8 variant of ours against its float
        // one.
        Path mlCommonsModel = Boolean.getBoolean("eval.side-by-side")
                ? modelDir(System.getProperty("eval.ml-commons-model", modelProperty))
                : null;
        String split = System.getProperty("eval.split", "test");
        Config config = new Config(
                BeirCollection.loadSplit(datasets.resolve(dataset), split),
                split,
                modelDir.getParent(),
                modelDir.getFileName().toString(),
                Integer.getInteger("eval.queries", Integer.MAX_VALUE),
                Integer.getInteger("eval.window", DEPTH),
                Paths.get(System.getProperty("eval.output"))
                        .resolve(split.equals("test") ? dataset : dataset + "-" + split)
                        .resolve(modelDir.getFileName().toString()),
                Paths.get(System.getProperty("eval.report")),
                mlCommonsModel,
                Boolean.getBoolean("eval.first-stages") ? Paths.get(System.getProperty("eval.embedding.jar")) : null);
        try (OpenSearchNode node = OpenSearchNode.start(
                "eval-node",
                config.modelsSource(),
                List.of(config.model()),
                nodeSettings(),
                config.sideBySide() ? "2g" : "768m",
                directory -> {
                    for (Path lever : LEVERS) {
                        copyModel(lever, directory.resolve("config/cross-encoder-models"));
                    }
                    if (config.sideBySide()) {
                        NeuralSearchReranker.seedPytorch(
                                directory,
                                Paths.get(System.getProperty("eval.pytorch.native")),
                                Paths.get(System.getProperty("eval.pytorch.jni")));
                    }
                })) {
            new RelevanceEvaluation(node.client(), config).run();
        }
    }

    private static Map<String, String> nodeSettings() {
        Map<String, String> settings = new TreeMap<>(NODE_SETTINGS);
        settings.put("discovery.type", "single-node");
        return settings;
    }

    /** Copies a model directory's files into a node's models path, under the directory's own name. */
    private static void copyModel(Path model, Path modelsPath) throws IOException {
        Path copy = Files.createDirectories(modelsPath.resolve(model.getFileName()));
        try (Stream<Path> files = Files.list(model)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                Files.copy(file, copy.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    /** A model is a directory name in the test models, or a path to any model directory. */
    private static Path modelDir(String model) {
        return model.contains("/")
                ? Paths.get(model).toAbsolutePath()
                : Paths.get(System.getProperty("tests.models.dir")).resolve(model);
    }

    public List<SystemResult> run() throws Exception {
        if (config.firstStages()) {
            embedder = new Embedder(config.embeddingJar(), config.output().resolve("embedder"));
        }
        try {
            return evaluate();
        } finally {
            if (embedder != null) {
                embedder.close();
            }
        }
    }

    private List<SystemResult> evaluate() throws Exception {
        long start = System.nanoTime();
        index();
        System.out.printf(
                Locale.ROOT, "indexed %s in %.1f s%n", config.collection().name(), (System.nanoTime() - start) / 1e9);
        String dataset = config.collection().name();
        String top = "BM25 multifield, top " + config.window() + " reranked by ";
        List<SearchSystem> systems = new ArrayList<>(List.of(
                new SearchSystem("BM25 flat", References.bm25Flat(dataset), null, false, this::bm25Flat),
                new SearchSystem(
                        "BM25 multifield", References.bm25Multifield(dataset), null, false, this::bm25Multifield),
                new SearchSystem(
                        top + "cross_encoder [" + config.model() + "] over " + RERANK_FIELDS,
                        References.reranked(dataset, config.model()),
                        null,
                        true,
                        this::reranked)));
        // Right after the row that scored this query's pairs, so that these only combine cached scores.
        for (Combination combination : COMBINATIONS) {
            systems.add(new SearchSystem(
                    "the same, " + combination,
                    "scores from the score cache",
                    null,
                    false,
                    true,
                    q -> reranked(q, config.model(), combination)));
        }
        if (config.sideBySide()) {
            systems.add(new SearchSystem(
                    systems.get(2).name() + ", the same search again (score cache warm)",
                    "repeat of the row above",
                    null,
                    false,
                    true,
                    this::reranked));
            start = System.nanoTime();
            NeuralSearchReranker.deploy(client, config.mlCommonsModel(), List.of("text"));
            System.out.printf(
                    Locale.ROOT, "deployed the model in ml-commons in %.1f s%n", (System.nanoTime() - start) / 1e9);
            String mlCommonsModel = config.mlCommonsModel().getFileName().toString();
            boolean sameModel = mlCommonsModel.equals(config.model());
            systems.add(new SearchSystem(
                    top + "neural-search rerank + ml-commons" + (sameModel ? "" : " [" + mlCommonsModel + "]")
                            + ", field text",
                    sameModel ? "same model, same node" : "model " + mlCommonsModel + ", same node",
                    NeuralSearchReranker.PIPELINE,
                    true,
                    q -> pipelined(q, "rerank", "query_context", "query_text")));
            if (RESPONSE_PROCESSOR) {
                client.ok("PUT", "/_search/pipeline/" + OUR_PIPELINE, String.format(Locale.ROOT, """
                    {"response_processors":[{"cross_encoder_rerank":{"model":"%s","fields":["text"],"score_mode":"replace"}}]}""", config.model()));
                systems.add(new SearchSystem(
                        top + "cross_encoder_rerank, field text",
                        sameModel ? "same model, same node" : "model " + config.model() + ", same node",
                        OUR_PIPELINE,
                        true,
                        q -> pipelined(q, "cross_encoder", null, "query_text")));
            }
        }
        if (config.firstStages()) {
            addFirstStages(systems);
        }
        // Last: each empties the score cache, which the rows above may share with the row they repeat.
        for (Path lever : LEVERS) {
            String name = lever.getFileName().toString();
            systems.add(new SearchSystem(
                    top + "cross_encoder [" + name + "] over " + RERANK_FIELDS,
                    "lever: " + name,
                    null,
                    true,
                    q -> reranked(q, name, Combination.REPLACE)));
        }
        // Query by query, every system in turn: this machine's speed drifts over minutes, and each system should
        // see the same minutes.
        List<SystemRun> runs = systems.stream().map(SystemRun::new).toList();
        List<BeirCollection.Query> queries = config.collection().queries();
        for (BeirCollection.Query query : queries.subList(0, Math.min(config.queryLimit(), queries.size()))) {
            for (SystemRun run : runs) {
                run.search(query);
            }
        }
        List<SystemResult> results = new ArrayList<>();
        for (SystemRun run : runs) {
            results.add(run.finish());
        }
        String table = BenchmarkReport.table(config, results);
        System.out.println(table);
        BenchmarkReport.update(config.report(), reportKey(), table);
        return results;
    }

    static final String HYBRID_PIPELINE = "hybrid";
    static final String HYBRID_RERANK_PIPELINE = "hybrid-cross-encoder-rerank";
    static final String HYBRID_INTERPOLATE_PIPELINE = "hybrid-cross-encoder-interpolate";

    /** How a first stage's hits are reranked: not at all, by the model alone, or interpolated with the first stage. */
    private enum Rerank {
        NONE,
        REPLACE,
        INTERPOLATE
    }

    /**
     * kNN over {@link Embedder} vectors of title and text, and neural-search's hybrid of BM25 multifield and that kNN
     * (min-max normalised, arithmetic mean 0.5/0.5), each alone and reranked: kNN by the rescore clause, hybrid by
     * our response processor after the normalization processor (the rescore clause does not combine with a hybrid
     * query; see docs/benchmarks/results/).
     */
    private void addFirstStages(List<SearchSystem> systems) throws IOException {
        String normalization = """
                {"normalization-processor":{"normalization":{"technique":"min_max"},
                 "combination":{"technique":"arithmetic_mean","parameters":{"weights":[0.5,0.5]}}}}""";
        client.ok(
                "PUT",
                "/_search/pipeline/" + HYBRID_PIPELINE,
                "{\"phase_results_processors\":[" + normalization + "]}");
        for (String scoreMode : List.of("replace", "interpolate")) {
            client.ok(
                    "PUT",
                    "/_search/pipeline/"
                            + (scoreMode.equals("replace") ? HYBRID_RERANK_PIPELINE : HYBRID_INTERPOLATE_PIPELINE),
                    String.format(
                            Locale.ROOT,
                            """
                {"phase_results_processors":[%s],
                 "response_processors":[{"cross_encoder_rerank":{"model":"%s","fields":%s,"window_size":%d,"score_mode":"%s"}}]}""",
                            normalization,
                            config.model(),
                            RERANK_FIELDS.stream().map(f -> "\"" + f + "\"").toList(),
                            config.window(),
                            scoreMode));
        }
        String knn = "kNN (" + Embedder.NAME + " vectors of title and text, k " + DEPTH + ")";
        String hybrid = "hybrid BM25 multifield + kNN (min_max, arithmetic_mean 0.5/0.5)";
        String reranked = ", top " + config.window() + " reranked by ";
        systems.add(new SearchSystem(knn, "none comparable", null, false, q -> firstStage(q, false, Rerank.NONE)));
        systems.add(new SearchSystem(
                knn + reranked + "cross_encoder [" + config.model() + "]",
                "rescore clause",
                null,
                true,
                q -> firstStage(q, false, Rerank.REPLACE)));
        systems.add(new SearchSystem(
                knn + reranked + "cross_encoder [" + config.model() + "], score_mode interpolate (min_max, weight 0.5)",
                "rescore clause, scores from the score cache",
                null,
                false,
                true,
                q -> firstStage(q, false, Rerank.INTERPOLATE)));
        systems.add(new SearchSystem(
                hybrid, "none comparable", HYBRID_PIPELINE, false, q -> firstStage(q, true, Rerank.NONE)));
        systems.add(new SearchSystem(
                hybrid + reranked + "cross_encoder_rerank [" + config.model() + "]",
                "response processor after the normalization processor",
                HYBRID_RERANK_PIPELINE,
                true,
                q -> firstStage(q, true, Rerank.REPLACE)));
        systems.add(new SearchSystem(
                hybrid + reranked + "cross_encoder_rerank [" + config.model()
                        + "], score_mode interpolate (min_max, weight 0.5)",
                "response processor, scores from the score cache",
                HYBRID_INTERPOLATE_PIPELINE,
                false,
                true,
                q -> firstStage(q, true, Rerank.INTERPOLATE)));
    }

    private final Map<String, float[]> queryVectors = new HashMap<>();

    /** kNN, or hybrid BM25 + kNN, with the cross-encoder's rescore clause (kNN) or response processor (hybrid). */
    private String firstStage(BeirCollection.Query query, boolean hybrid, Rerank rerank) throws Exception {
        boolean reranked = rerank != Rerank.NONE;
        float[] vector = queryVectors.get(query.id());
        if (vector == null) {
            vector = embedder.embed(List.of(query.text()))[0];
            queryVectors.put(query.id(), vector);
        }
        float[] queryVector = vector;
        return json(b -> {
            b.field("size", DEPTH);
            if (hybrid == false || reranked == false) {
                b.field("_source", false); // the response processor reads the hits' whole _source
            }
            b.startObject("query");
            if (hybrid) {
                b.startObject("hybrid").startArray("queries");
                b.startObject();
                multifieldClause(b, query);
                b.endObject();
                b.startObject();
                knnClause(b, queryVector);
                b.endObject();
                b.endArray().endObject();
            } else {
                knnClause(b, queryVector);
            }
            b.endObject();
            if (reranked && hybrid == false) {
                b.startObject("rescore").field("window_size", config.window());
                b.startObject("cross_encoder")
                        .field("model", config.model())
                        .field("query_text", query.text())
                        .array("fields", RERANK_FIELDS.toArray(String[]::new));
                b.field("score_mode", rerank == Rerank.INTERPOLATE ? "interpolate" : "replace");
                b.endObject();
                b.endObject();
            }
            if (reranked && hybrid) {
                b.startObject("ext")
                        .startObject("cross_encoder")
                        .field("query_text", query.text())
                        .endObject()
                        .endObject();
            }
        });
    }

    private static void knnClause(XContentBuilder b, float[] vector) throws IOException {
        b.startObject("knn")
                .startObject("vector")
                .array("vector", vector)
                .field("k", DEPTH)
                .endObject()
                .endObject();
    }

    /** Each kind of run has its own section of the report: dataset, model, and the options that add rows. */
    private String reportKey() {
        return "relevance:" + config.collection().name() + ":" + config.model()
                + (config.split().equals("test") ? "" : ":" + config.split())
                + (config.sideBySide() ? ":side-by-side" + (RESPONSE_PROCESSOR ? "" : "-no-response-processor") : "")
                + (config.firstStages() ? ":first-stages" : "")
                + (LEVERS.isEmpty() ? "" : ":levers")
                + (NODE_SETTINGS.isEmpty() ? "" : ":" + NODE_SETTINGS.toString().replace(" ", ""))
                + (config.queryLimit() < Integer.MAX_VALUE ? ":" + config.queryLimit() + "-queries" : "")
                + (RERANK_FIELDS.equals(List.of("title", "text")) ? "" : ":fields-" + String.join("-", RERANK_FIELDS));
    }

    /** Changing the cache's size empties it; null puts the default size back. */
    private void emptyScoreCache() throws IOException {
        for (String size : new String[] {"\"0b\"", "null"}) {
            client.ok(
                    "PUT",
                    "/_cluster/settings",
                    "{\"persistent\":{\"plugins.cross_encoder.cache.size\":" + size + "}}");
        }
    }

    void index() throws IOException {
        client.request("DELETE", "/" + INDEX, null);
        // Anserini's BEIR regressions: BM25 k1=0.9 b=0.4, English stemming and stopwords; "flat" searches title
        // and text as one field, "multifield" searches both and sums.
        String vectors = embedder == null ? "" : String.format(Locale.ROOT, """
                ,"vector":{"type":"knn_vector","dimension":%d,
                  "method":{"name":"hnsw","engine":"lucene","space_type":"innerproduct"}}""", Embedder.DIMENSION);
        client.ok("PUT", "/" + INDEX, String.format(Locale.ROOT, """
            {"settings":{"number_of_shards":1,"number_of_replicas":0,"refresh_interval":"-1","index.knn":%s,
              "similarity":{"default":{"type":"BM25","k1":0.9,"b":0.4}}},
             "mappings":{"properties":{
              "title":{"type":"text","analyzer":"english","copy_to":"contents"},
              "text":{"type":"text","analyzer":"english","copy_to":"contents"},
              "contents":{"type":"text","analyzer":"english"}%s}}}""", embedder != null, vectors));
        List<BeirCollection.Document> batch = new ArrayList<>();
        config.collection().forEachDocument(document -> {
            batch.add(document);
            if (batch.size() == 500) {
                bulk(batch);
            }
        });
        bulk(batch);
        client.ok("POST", "/" + INDEX + "/_refresh", null);
    }

    private void bulk(List<BeirCollection.Document> documents) {
        if (documents.isEmpty()) {
            return;
        }
        StringBuilder body = new StringBuilder();
        try {
            float[][] vectors = embedder == null
                    ? null
                    : embedder.embed(documents.stream()
                            .map(d -> (d.title() + " " + d.text()).strip())
                            .toList());
            for (int i = 0; i < documents.size(); i++) {
                BeirCollection.Document document = documents.get(i);
                float[] vector = vectors == null ? null : vectors[i];
                body.append(json(b -> b.startObject("index")
                                .field("_id", document.id())
                                .endObject()))
                        .append('\n');
                body.append(json(b -> {
                            b.field("title", document.title()).field("text", document.text());
                            if (vector != null) {
                                b.array("vector", vector);
                            }
                        }))
                        .append('\n');
            }
            RestClient.Response response = client.ok("POST", "/" + INDEX + "/_bulk", body.toString());
            if (Boolean.TRUE.equals(response.path("errors"))) {
                throw new IllegalStateException(
                        "bulk indexing failed: " + response.raw().substring(0, 2000));
            }
        } catch (IOException | OrtException e) {
            throw new IllegalStateException(e);
        }
        documents.clear();
    }

    /** One system's run over the queries, filled a query at a time. */
    private final class SystemRun {
        private final SearchSystem system;
        private final String path;
        private final String slug;
        private final StringBuilder run = new StringBuilder();
        private final StringBuilder perQuery = new StringBuilder("query\tndcg@10\tmrr@10\trecall@100\tmillis\n");
        private final List<Long> millis = new ArrayList<>();
        private double ndcg, mrr, recall;

        SystemRun(SearchSystem system) {
            this.system = system;
            this.path = "/" + INDEX + "/_search"
                    + (system.pipeline() == null ? "" : "?search_pipeline=" + system.pipeline());
            this.slug = system.name()
                    .replaceAll("[^A-Za-z0-9]+", "-")
                    .replaceAll("-+$", "")
                    .toLowerCase(Locale.ROOT);
        }

        void search(BeirCollection.Query query) throws Exception {
            if (system.reranks() && system.warmCache() == false) {
                emptyScoreCache();
            }
            long start = System.nanoTime();
            RestClient.Response response =
                    client.ok("POST", path, system.search().body(query));
            long queryMillis = (System.nanoTime() - start) / 1_000_000;
            millis.add(queryMillis);
            List<Metrics.Scored> scored = new ArrayList<>();
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> hits = (List<Map<String, Object>>) response.path("hits.hits");
            for (Map<String, Object> hit : hits) {
                scored.add(new Metrics.Scored((String) hit.get("_id"), ((Number) hit.get("_score")).doubleValue()));
            }
            List<String> ranking = Metrics.rank(scored);
            Map<String, Integer> judgments = config.collection().judgments(query.id());
            double queryNdcg = Metrics.ndcg(ranking, judgments, 10);
            double queryMrr = Metrics.reciprocalRank(ranking, judgments, 10);
            double queryRecall = Metrics.recall(ranking, judgments, DEPTH);
            ndcg += queryNdcg;
            mrr += queryMrr;
            recall += queryRecall;
            perQuery.append(String.format(
                    Locale.ROOT,
                    "%s\t%.4f\t%.4f\t%.4f\t%d%n",
                    query.id(),
                    queryNdcg,
                    queryMrr,
                    queryRecall,
                    queryMillis));
            for (int rank = 0; rank < ranking.size(); rank++) {
                run.append(String.format(
                        Locale.ROOT,
                        "%s Q0 %s %d %.6f %s%n",
                        query.id(),
                        ranking.get(rank),
                        rank + 1,
                        scoreOf(scored, ranking.get(rank)),
                        slug));
            }
        }

        SystemResult finish() throws IOException {
            Files.createDirectories(config.output());
            Files.writeString(config.output().resolve(slug + ".run"), run);
            Files.writeString(config.output().resolve(slug + ".tsv"), perQuery);
            int n = millis.size();
            List<Long> sorted = millis.stream().sorted().toList();
            SystemResult result = new SystemResult(
                    system.name(),
                    system.reference(),
                    n,
                    ndcg / n,
                    mrr / n,
                    recall / n,
                    sorted.get(n / 2),
                    millis.stream().mapToLong(Long::longValue).average().orElse(0),
                    system.reranks());
            System.out.printf(
                    Locale.ROOT,
                    "%-70s nDCG@10 %.4f  MRR@10 %.4f  R@100 %.4f  p50 %d ms%n",
                    system.name(),
                    result.ndcg10(),
                    result.mrr10(),
                    result.recall100(),
                    result.p50Millis());
            return result;
        }
    }

    private static double scoreOf(List<Metrics.Scored> scored, String docId) {
        return scored.stream()
                .filter(s -> s.docId().equals(docId))
                .findFirst()
                .orElseThrow()
                .score();
    }

    private String bm25Flat(BeirCollection.Query query) throws IOException {
        return json(b -> {
            b.field("size", DEPTH).field("_source", false);
            b.startObject("query")
                    .startObject("match")
                    .field("contents", query.text())
                    .endObject()
                    .endObject();
        });
    }

    private String bm25Multifield(BeirCollection.Query query) throws IOException {
        return json(b -> {
            b.field("size", DEPTH).field("_source", false);
            multifieldQuery(b, query);
        });
    }

    String reranked(BeirCollection.Query query) throws IOException {
        return reranked(query, config.model(), Combination.REPLACE);
    }

    /** BM25 multifield with the cross_encoder rescore, its scores combined as {@code combination} says. */
    private String reranked(BeirCollection.Query query, String model, Combination combination) throws IOException {
        return json(b -> {
            b.field("size", DEPTH).field("_source", false);
            multifieldQuery(b, query);
            b.startObject("rescore").field("window_size", config.window());
            b.startObject("cross_encoder")
                    .field("model", model)
                    .field("query_text", query.text())
                    .array("fields", RERANK_FIELDS.toArray(String[]::new));
            for (Map.Entry<String, Object> option : combination.options().entrySet()) {
                b.field(option.getKey(), option.getValue());
            }
            b.endObject().endObject();
        });
    }

    /** The multifield query with the query text in a search extension, for the rerank pipelines. */
    private String pipelined(BeirCollection.Query query, String ext, String inner, String field) throws IOException {
        return json(b -> {
            b.field("size", config.window());
            multifieldQuery(b, query);
            b.startObject("ext").startObject(ext);
            if (inner != null) {
                b.startObject(inner);
            }
            b.field(field, query.text());
            if (inner != null) {
                b.endObject();
            }
            b.endObject().endObject();
        });
    }

    private static void multifieldQuery(XContentBuilder b, BeirCollection.Query query) throws IOException {
        b.startObject("query");
        multifieldClause(b, query);
        b.endObject();
    }

    private static void multifieldClause(XContentBuilder b, BeirCollection.Query query) throws IOException {
        b.startObject("multi_match")
                .field("query", query.text())
                .field("type", "most_fields")
                .array("fields", "title", "text")
                .endObject();
    }

    private interface Body {
        void write(XContentBuilder builder) throws IOException;
    }

    private static String json(Body body) throws IOException {
        XContentBuilder builder = XContentFactory.jsonBuilder().startObject();
        body.write(builder);
        return BytesReference.bytes(builder.endObject()).utf8ToString();
    }

    static String today() {
        return LocalDate.now(ZoneOffset.UTC).toString();
    }
}
