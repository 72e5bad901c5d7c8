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
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.crossencoder.opensearch.integ.OpenSearchNode;
import org.crossencoder.opensearch.integ.RestClient;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.core.xcontent.XContentBuilder;

/**
 * What one loaded model costs a node: for each model directory given, a node of its own starts without models, then
 * loads the model through {@code _reload} and reranks 100 passages of the collection three times; the node process's
 * resident memory (VmRSS) is read before, after loading and after scoring, beside what the models API reports. Writes
 * its table into docs/benchmarks/results/.
 *
 * <pre>scripts/model-memory.sh</pre>
 */
public final class ModelMemoryBenchmark {

    public static void main(String[] args) throws Exception {
        List<Path> models = Stream.of(System.getProperty("memory.models").split(","))
                .map(model -> Paths.get(model.strip()))
                .toList();
        BeirCollection collection = BeirCollection.load(
                Paths.get(System.getProperty("eval.datasets.dir")).resolve(System.getProperty("eval.dataset")), "test");
        List<String> passages = new ArrayList<>();
        collection.forEachDocument(document -> {
            if (passages.size() < 100) {
                passages.add((document.title() + " " + document.text()).strip());
            }
        });
        String query = collection.queries().get(0).text();
        StringBuilder table = new StringBuilder(String.format(
                Locale.ROOT,
                "A node of its own per model (768 MB heap, pre-touched), on this %d-core machine; 100 passages of %s reranked "
                        + "three times (`scripts/model-memory.sh`). Resident memory is the node process's VmRSS.%n%n"
                        + "| model | model.onnx MiB | models API resident_size MiB | VmRSS growth at load MiB | VmRSS growth after scoring MiB |%n"
                        + "|---|---|---|---|---|%n",
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("eval.dataset")));
        for (Path model : models) {
            if (Files.exists(model.resolve("model.onnx")) == false) {
                table.append("| ").append(model.getFileName()).append(" | not present | | | |\n");
                continue;
            }
            table.append(measure(model, query, passages));
        }
        System.out.println(table);
        BenchmarkReport.update(Paths.get(System.getProperty("eval.report")), "model-memory", table.toString());
    }

    @SuppressWarnings("unchecked")
    private static String measure(Path model, String query, List<String> passages) throws Exception {
        String name = model.getFileName().toString();
        try (OpenSearchNode node =
                OpenSearchNode.start("memory", model.getParent(), List.of(), Map.of("discovery.type", "single-node"))) {
            RestClient client = node.client();
            long pid = ((Number) ((Map<?, ?>) ((Map<?, ?>) client.ok("GET", "/_nodes/_local/process", null)
                                            .<Map<String, Object>>path("nodes")
                                            .values()
                                            .iterator()
                                            .next())
                                    .get("process"))
                            .get("id"))
                    .longValue();
            Thread.sleep(5_000); // let start-up settle
            long before = residentMib(pid);
            Path target = Files.createDirectories(node.modelsPath().resolve(name));
            try (Stream<Path> files = Files.list(model)) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    Files.copy(file, target.resolve(file.getFileName()));
                }
            }
            client.ok("POST", "/_plugins/cross_encoder/models/_reload", null);
            long loaded = residentMib(pid);
            String body = rerankBody(name, query, passages);
            for (int i = 0; i < 3; i++) {
                client.ok("POST", "/_plugins/cross_encoder/_rerank", body);
            }
            long used = residentMib(pid);
            List<Map<String, Object>> infos = client
                    .ok("GET", "/_plugins/cross_encoder/models", null)
                    .<Map<String, Object>>path("nodes")
                    .values()
                    .stream()
                    .flatMap(n -> ((List<Map<String, Object>>) ((Map<?, ?>) n).get("models")).stream())
                    .filter(info -> name.equals(info.get("name")))
                    .toList();
            long reported = ((Number) infos.get(0).get("resident_size_in_bytes")).longValue() >> 20;
            return String.format(
                    Locale.ROOT,
                    "| %s | %.1f | %d | %d | %d |%n",
                    name,
                    Files.size(model.resolve("model.onnx")) / 1048576.0,
                    reported,
                    loaded - before,
                    used - before);
        }
    }

    private static String rerankBody(String model, String query, List<String> passages) throws IOException {
        try (XContentBuilder builder = JsonXContent.contentBuilder()) {
            builder.startObject()
                    .field("model", model)
                    .field("query_text", query)
                    .startArray("texts");
            for (String passage : passages) {
                builder.value(passage);
            }
            return builder.endArray().endObject().toString();
        }
    }

    private static long residentMib(long pid) throws IOException {
        for (String line : Files.readAllLines(Paths.get("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
            }
        }
        throw new IllegalStateException("no VmRSS for process " + pid);
    }
}
