/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.engine;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.LongBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * One batch of encoded pairs as a cross-encoder's input tensors, padded to the longest pair of the batch. A batch can
 * run on more than one session: {@link ExactLevers} runs the same probe batch on a model and on its rewrite.
 */
final class BatchInputs implements AutoCloseable {

    static final String INPUT_IDS = "input_ids";
    static final String ATTENTION_MASK = "attention_mask";
    static final String TOKEN_TYPE_IDS = "token_type_ids";

    private final Map<String, OnnxTensor> tensors = new HashMap<>();
    private final int rows;

    /** The pairs {@code encodings[batch[i]]}; token type ids only for a session that takes them. */
    BatchInputs(OrtEnvironment environment, Encoding[] encodings, int[] batch, long padId, boolean tokenTypes)
            throws OrtException {
        this.rows = batch.length;
        int width = 0;
        for (int index : batch) {
            width = Math.max(width, encodings[index].getIds().length);
        }
        long[] ids = new long[rows * width];
        long[] mask = new long[rows * width];
        long[] types = new long[rows * width];
        Arrays.fill(ids, padId);
        for (int row = 0; row < rows; row++) {
            Encoding encoding = encodings[batch[row]];
            long[] rowIds = encoding.getIds();
            System.arraycopy(rowIds, 0, ids, row * width, rowIds.length);
            System.arraycopy(encoding.getTypeIds(), 0, types, row * width, rowIds.length);
            Arrays.fill(mask, row * width, row * width + rowIds.length, 1L);
        }
        long[] shape = {rows, width};
        try {
            tensors.put(INPUT_IDS, OnnxTensor.createTensor(environment, LongBuffer.wrap(ids), shape));
            tensors.put(ATTENTION_MASK, OnnxTensor.createTensor(environment, LongBuffer.wrap(mask), shape));
            if (tokenTypes) {
                tensors.put(TOKEN_TYPE_IDS, OnnxTensor.createTensor(environment, LongBuffer.wrap(types), shape));
            }
        } catch (OrtException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Runs the batch on {@code session}: one row of logits per pair. */
    float[][] logits(OrtSession session, String modelName) throws OrtException {
        try (OrtSession.Result result = session.run(tensors)) {
            return rows(result.get(0), modelName);
        }
    }

    private float[][] rows(OnnxValue value, String modelName) throws OrtException {
        Object raw = value.getValue();
        if (raw instanceof float[][] matrix) {
            return matrix;
        } else if (raw instanceof float[] vector) {
            float[][] matrix = new float[rows][];
            for (int row = 0; row < rows; row++) {
                matrix[row] = new float[] {vector[row]};
            }
            return matrix;
        } else {
            throw new IllegalStateException(
                    "model [" + modelName + "] returned " + value.getInfo() + "; expected float logits");
        }
    }

    @Override
    public void close() {
        tensors.values().forEach(OnnxTensor::close);
    }
}
