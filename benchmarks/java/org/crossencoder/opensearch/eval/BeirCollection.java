/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.eval;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.crossencoder.opensearch.integ.RestClient;
import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.common.xcontent.json.JsonXContent;

/** A test collection in BEIR layout: {@code corpus.jsonl}, {@code queries.jsonl}, {@code qrels/<split>.tsv}. */
public final class BeirCollection {

    public record Document(String id, String title, String text) {}

    public record Query(String id, String text) {}

    private final String name;
    private final Path directory;
    private final Map<String, Map<String, Integer>> judgments;
    private final List<Query> queries;

    private BeirCollection(
            String name, Path directory, Map<String, Map<String, Integer>> judgments, List<Query> queries) {
        this.name = name;
        this.directory = directory;
        this.judgments = judgments;
        this.queries = queries;
    }

    /**
     * SciFact has no dev split: the trained test models' READMEs hold out the last 100 queries of its train qrels (in
     * order of first appearance) as theirs.
     */
    private static final int HELD_OUT_TRAIN_QUERIES = 100;

    /**
     * The judged queries of {@code split}, as {@link #load} reads them; the {@code dev} split of a collection without
     * {@code qrels/dev.tsv} (SciFact) is the last {@value #HELD_OUT_TRAIN_QUERIES} queries of its train qrels, in qrels
     * order: queries none of the trained models saw, and not the test queries.
     */
    public static BeirCollection loadSplit(Path directory, String split) throws IOException {
        if (split.equals("dev") == false
                || Files.exists(directory.resolve("qrels").resolve("dev.tsv"))) {
            return load(directory, split);
        }
        BeirCollection train = load(directory, "train");
        List<String> ids = train.judgedQueryIds();
        List<String> heldOut = ids.subList(Math.max(0, ids.size() - HELD_OUT_TRAIN_QUERIES), ids.size());
        Map<String, Map<String, Integer>> judgments = new LinkedHashMap<>();
        heldOut.forEach(id -> judgments.put(id, train.judgments(id)));
        Map<String, Query> byId = new LinkedHashMap<>();
        train.queries().forEach(query -> byId.put(query.id(), query));
        List<Query> queries = heldOut.stream().map(byId::get).toList();
        return new BeirCollection(train.name, directory, judgments, queries);
    }

    /** Loads the judgments of {@code split} and the queries they judge, in the order of {@code queries.jsonl}. */
    public static BeirCollection load(Path directory, String split) throws IOException {
        Map<String, Map<String, Integer>> judgments = new LinkedHashMap<>();
        List<String> lines = Files.readAllLines(directory.resolve("qrels").resolve(split + ".tsv"));
        for (String line : lines.subList(1, lines.size())) {
            if (line.isBlank()) {
                continue;
            }
            String[] columns = line.split("\t");
            judgments
                    .computeIfAbsent(columns[0], q -> new LinkedHashMap<>())
                    .put(columns[1], Integer.parseInt(columns[2].trim()));
        }
        List<Query> queries = new ArrayList<>();
        forEachJson(directory.resolve("queries.jsonl"), json -> {
            String id = (String) json.get("_id");
            if (judgments.containsKey(id)) {
                queries.add(new Query(id, (String) json.get("text")));
            }
        });
        return new BeirCollection(directory.getFileName().toString(), directory, judgments, queries);
    }

    public void forEachDocument(Consumer<Document> consumer) throws IOException {
        forEachJson(directory.resolve("corpus.jsonl"), json -> {
            Object title = json.get("title");
            consumer.accept(new Document(
                    (String) json.get("_id"), title == null ? "" : (String) title, (String) json.get("text")));
        });
    }

    /** Indexes the collection (title and text, both copied to {@code contents}, English analyzer) and waits for it. */
    public void indexInto(RestClient client, String index, int shards) throws IOException {
        indexInto(client, index, shards, "_none");
    }

    /** As {@link #indexInto(RestClient, String, int)}, each document through the ingest pipeline {@code pipeline}. */
    public void indexInto(RestClient client, String index, int shards, String pipeline) throws IOException {
        client.ok("PUT", "/" + index, String.format(Locale.ROOT, """
            {"settings":{"number_of_shards":%d,"number_of_replicas":0,"index.default_pipeline":"%s"},
             "mappings":{"properties":{
              "title":{"type":"text","analyzer":"english","copy_to":"contents"},
              "text":{"type":"text","analyzer":"english","copy_to":"contents"},
              "contents":{"type":"text","analyzer":"english"}}}}""", shards, pipeline));
        List<Document> batch = new ArrayList<>();
        forEachDocument(document -> {
            batch.add(document);
            if (batch.size() == 500) {
                bulk(client, index, batch);
            }
        });
        bulk(client, index, batch);
        client.ok("POST", "/" + index + "/_refresh", null);
        client.ok("GET", "/_cluster/health/" + index + "?wait_for_status=green&timeout=120s", null);
    }

    private static void bulk(RestClient client, String index, List<Document> documents) {
        if (documents.isEmpty()) {
            return;
        }
        StringBuilder body = new StringBuilder();
        try {
            for (Document document : documents) {
                body.append(GlobalWindowBenchmark.json(b -> b.startObject("index")
                                .field("_id", document.id())
                                .endObject()))
                        .append('\n');
                body.append(GlobalWindowBenchmark.json(
                                b -> b.field("title", document.title()).field("text", document.text())))
                        .append('\n');
            }
            RestClient.Response response = client.ok("POST", "/" + index + "/_bulk", body.toString());
            if (Boolean.TRUE.equals(response.path("errors"))) {
                throw new IllegalStateException(
                        "bulk indexing failed: " + response.raw().substring(0, 2000));
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        documents.clear();
    }

    private static void forEachJson(Path file, Consumer<Map<String, Object>> consumer) throws IOException {
        try (BufferedReader reader = Files.newBufferedReader(file)) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.isBlank() == false) {
                    consumer.accept(XContentHelper.convertToMap(JsonXContent.jsonXContent, line, false));
                }
            }
        }
    }

    public String name() {
        return name;
    }

    public List<Query> queries() {
        return queries;
    }

    /** The judged queries' ids in the order they first appear in the qrels file. */
    public List<String> judgedQueryIds() {
        return List.copyOf(judgments.keySet());
    }

    /** Judged documents of a query and their grades. */
    public Map<String, Integer> judgments(String queryId) {
        return judgments.getOrDefault(queryId, Map.of());
    }
}
