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
import java.util.Map;
import java.util.function.Consumer;
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

    /** Judged documents of a query and their grades. */
    public Map<String, Integer> judgments(String queryId) {
        return judgments.getOrDefault(queryId, Map.of());
    }
}
