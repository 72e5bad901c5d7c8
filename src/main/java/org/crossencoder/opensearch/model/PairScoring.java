/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.model;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.onnxruntime.OrtException;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * One request's pairs as a sequence of small steps, so that the {@link InferenceScheduler} can interleave
 * requests and stop one between steps: first the passages are tokenized in chunks, then the pairs run in
 * batches sorted by token length (each batch padded only to its own longest pair).
 */
final class PairScoring implements InferenceScheduler.Work<PassageScores> {

    /** Passages tokenized per step: about as long as one batch of long pairs takes to run. */
    static final int ENCODE_CHUNK = 64;

    private final CrossEncoderModel model;
    private final String query;
    private final List<String> passages;
    private final Encoding[] encodings;
    private final float[] scores;
    private final BitSet scored;
    private int encoded;
    private int[] byLength;
    private int nextBatchStart;

    PairScoring(CrossEncoderModel model, String query, List<String> passages) {
        this.model = model;
        this.query = query;
        this.passages = passages;
        this.encodings = new Encoding[passages.size()];
        this.scores = new float[passages.size()];
        this.scored = new BitSet(passages.size());
    }

    @Override
    public boolean hasNextStep() {
        return encoded < encodings.length || (byLength != null && nextBatchStart < byLength.length);
    }

    @Override
    public void step() throws OrtException {
        if (encoded < encodings.length) {
            int end = Math.min(encodings.length, encoded + ENCODE_CHUNK);
            Encoding[] chunk = model.encode(query, passages.subList(encoded, end));
            System.arraycopy(chunk, 0, encodings, encoded, chunk.length);
            encoded = end;
            if (encoded == encodings.length) {
                byLength = lengthOrder();
            }
            return;
        }
        int end = Math.min(byLength.length, nextBatchStart + model.batchSize());
        int[] batch = Arrays.copyOfRange(byLength, nextBatchStart, end);
        float[] batchScores = model.run(encodings, batch);
        for (int i = 0; i < batch.length; i++) {
            scores[batch[i]] = batchScores[i];
            scored.set(batch[i]);
        }
        nextBatchStart = end;
    }

    private int[] lengthOrder() {
        boolean sort = model.sortsByLength();
        return IntStream.range(0, encodings.length)
                .boxed()
                .sorted(Comparator.comparingInt(i -> sort ? encodings[i].getIds().length : 0))
                .mapToInt(Integer::intValue)
                .toArray();
    }

    @Override
    public PassageScores result(boolean timedOut) {
        return new PassageScores(scores, scored, timedOut);
    }
}
