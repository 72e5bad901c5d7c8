/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.eval;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.crossencoder.opensearch.integ.RestClient;

/**
 * The reranker OpenSearch users have today, set up for a side-by-side run on the same node: the model
 * registered in ml-commons from a local file (TEXT_SIMILARITY, ONNX, uploaded in chunks) and
 * neural-search's {@code rerank} response processor calling it.
 */
public final class NeuralSearchReranker {

    static final String PIPELINE = "neural-search-rerank";
    /** ml-commons refuses chunks above 10,000,000 bytes. */
    private static final int CHUNK = 10_000_000;

    private static final Duration DEPLOY_TIMEOUT = Duration.ofMinutes(5);

    private NeuralSearchReranker() {}

    /**
     * ml-commons' DJL stack also loads PyTorch and would download it at deploy time; put the libraries from
     * Maven Central's jars where DJL looks ({@code <path.data>/ml_cache/pytorch/<version-flavor>/}).
     */
    public static void seedPytorch(Path nodeDirectory, Path nativeJar, Path jniJar) throws IOException {
        Path target = nodeDirectory.resolve("data/ml_cache/pytorch/2.5.1-cpu-precxx11-linux-x86_64");
        Files.createDirectories(target);
        try (ZipFile natives = new ZipFile(nativeJar.toFile());
                ZipFile jni = new ZipFile(jniJar.toFile())) {
            for (ZipEntry entry : natives.stream()
                    .filter(e -> e.getName().startsWith("pytorch/cpu/linux-x86_64/") && e.isDirectory() == false)
                    .toList()) {
                copy(natives, entry, target.resolve(Path.of(entry.getName()).getFileName()));
            }
            // ml-commons ships DJL 0.31.1; Central has the JNI only for 0.32.0, which works with it.
            copy(
                    jni,
                    jni.getEntry("jnilib/linux-x86_64/cpu/libdjl_torch.so"),
                    target.resolve("0.31.1-libdjl_torch.so"));
        }
    }

    private static void copy(ZipFile zip, ZipEntry entry, Path to) throws IOException {
        try (InputStream in = zip.getInputStream(entry)) {
            Files.copy(in, to);
        }
    }

    /**
     * Registers and deploys the model directory in ml-commons, creates the rerank pipeline, and returns the model id.
     * ml-commons' memory circuit breaker is off: on the test nodes' small heaps it refused deploys whenever garbage
     * not yet collected passed 85% of the heap.
     */
    public static String deploy(RestClient client, Path modelDir, List<String> documentFields) throws Exception {
        client.ok("PUT", "/_cluster/settings", """
            {"persistent":{"plugins.ml_commons.only_run_on_ml_node":false,
                           "plugins.ml_commons.allow_registering_model_via_local_file":true,
                           "plugins.ml_commons.jvm_heap_memory_threshold":100}}""");
        String modelId = register(client, modelDir, null);
        String task = client.ok("POST", "/_plugins/_ml/models/" + modelId + "/_deploy", null)
                .path("task_id");
        Instant deadline = Instant.now().plus(DEPLOY_TIMEOUT);
        while (true) {
            RestClient.Response polled =
                    retryingWhileBreakerTrips(() -> client.request("GET", "/_plugins/_ml/tasks/" + task, null));
            if (polled.status() != 200) {
                throw new IllegalStateException("ml-commons did not report its deploy task: " + polled.raw());
            }
            String state = polled.path("state");
            if ("COMPLETED".equals(state)) {
                break;
            }
            if (state != null && state.contains("FAILED") || Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("ml-commons did not deploy the model: "
                        + client.ok("GET", "/_plugins/_ml/tasks/" + task, null).raw());
            }
            Thread.sleep(250);
        }
        // DEPLOYED comes a little before predictions work.
        while (client.request(
                                "POST",
                                "/_plugins/_ml/models/" + modelId + "/_predict",
                                "{\"query_text\":\"q\",\"text_docs\":[\"d\"]}")
                        .status()
                != 200) {
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("ml-commons never answered predictions for " + modelId);
            }
            Thread.sleep(500);
        }
        client.ok(
                "PUT",
                "/_search/pipeline/" + PIPELINE,
                String.format(
                        Locale.ROOT,
                        """
            {"response_processors":[{"rerank":{"ml_opensearch":{"model_id":"%s"},"context":{"document_fields":%s}}}]}""",
                        modelId,
                        documentFields.stream().map(f -> "\"" + f + "\"").toList()));
        return modelId;
    }

    /**
     * Registers the model directory in ml-commons (in the model group {@code modelGroupId}, or a new one of its own when
     * null), uploading it in chunks, and returns the model id: registered, not deployed.
     */
    public static String register(RestClient client, Path modelDir, String modelGroupId) throws Exception {
        byte[] zip = zip(modelDir);
        int chunks = (zip.length + CHUNK - 1) / CHUNK;
        String modelId = client.ok(
                        "POST",
                        "/_plugins/_ml/models/meta",
                        String.format(
                                Locale.ROOT,
                                """
            {"name":"%s","version":"1.0.0","model_format":"ONNX","function_name":"TEXT_SIMILARITY",
             "model_content_hash_value":"%s","model_content_size_in_bytes":%d,"total_chunks":%d,
             "model_config":{"model_type":"bert","embedding_dimension":1,"framework_type":"huggingface_transformers"}%s}""",
                                modelDir.getFileName(),
                                sha256(zip),
                                zip.length,
                                chunks,
                                modelGroupId == null ? "" : ",\"model_group_id\":\"" + modelGroupId + "\""))
                .path("model_id");
        for (int i = 0; i < chunks; i++) {
            byte[] chunk = Arrays.copyOfRange(zip, i * CHUNK, Math.min(zip.length, (i + 1) * CHUNK));
            String path = "/_plugins/_ml/models/" + modelId + "/upload_chunk/" + i;
            RestClient.Response uploaded = retryingWhileBreakerTrips(() -> client.requestBytes("POST", path, chunk));
            if (uploaded.raw().contains("Uploaded") == false) {
                throw new IllegalStateException("chunk " + i + " of the model was refused: " + uploaded.raw());
            }
        }
        return modelId;
    }

    /**
     * A 429 is OpenSearch's parent circuit breaker on a heap holding garbage that a deploy made (the model's bytes
     * pass through the heap several times): retry after a pause, as a client should.
     */
    private static RestClient.Response retryingWhileBreakerTrips(Callable<RestClient.Response> call) throws Exception {
        RestClient.Response response = call.call();
        for (int retry = 0; response.status() == 429 && retry < 10; retry++) {
            Thread.sleep(1000);
            response = call.call();
        }
        return response;
    }

    /**
     * ml-commons' layout: the .onnx file and tokenizer.json at the root of a zip; the model's cross-encoder.json too,
     * when it has one, for this plugin serving the model from ml-commons (ml-commons ignores it).
     */
    private static byte[] zip(Path modelDir) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (String file : List.of("model.onnx", "tokenizer.json", "cross-encoder.json")) {
                if (Files.exists(modelDir.resolve(file)) == false) {
                    continue;
                }
                zip.putNextEntry(new ZipEntry(file));
                Files.copy(modelDir.resolve(file), zip);
                zip.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
