/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.engine;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.onnxruntime.OrtException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import org.crossencoder.opensearch.ranking.PassageScores;

/**
 * One request's pairs as a sequence of small steps, so that the {@link InferenceScheduler} can interleave
 * requests and stop one between steps: first the passages are tokenized in chunks, then the pairs run in
 * batches sorted by token length (each batch padded only to its own longest pair, and bounded in pairs and in
 * padded tokens). Several models that read the same tokens ({@link CrossEncoderModel#tokenization()}) share the
 * tokenizing, and take turns on each batch, so that a time limit leaves whole pairs scored by all of them.
 */
public final class PairScoring implements InferenceScheduler.Work<List<PassageScores>> {

    /** Passages tokenized per step: about as long as one batch of long pairs takes to run. */
    static final int ENCODE_CHUNK = 64;

    private final List<CrossEncoderModel> models;
    private final String query;
    private final List<String> passages;
    /** Per model, the passages it scores; null: all of them. */
    private final List<BitSet> wanted;

    private final Encoding[] encodings;
    private final float[][] scores;
    private final BitSet[] scored;
    private int encoded;
    private int[] byLength;
    private int[] orderedLengths;
    private int nextBatchStart;
    private int nextModel;

    /**
     * @param models models that share one tokenization; the first one tokenizes
     * @param wanted per model, the passages it needs (the others may be cached for it); null for all passages
     */
    public PairScoring(List<CrossEncoderModel> models, String query, List<String> passages, List<BitSet> wanted) {
        this.models = models;
        this.query = query;
        this.passages = passages;
        this.wanted = wanted;
        this.encodings = new Encoding[passages.size()];
        this.scores = new float[models.size()][passages.size()];
        this.scored = new BitSet[models.size()];
        for (int m = 0; m < models.size(); m++) {
            scored[m] = new BitSet(passages.size());
        }
    }

    @Override
    public boolean hasNextStep() {
        return encoded < encodings.length || (byLength != null && nextBatchStart < byLength.length);
    }

    @Override
    public void step() throws OrtException {
        if (encoded < encodings.length) {
            int end = Math.min(encodings.length, encoded + ENCODE_CHUNK);
            Encoding[] chunk = models.get(0).encode(query, passages.subList(encoded, end));
            System.arraycopy(chunk, 0, encodings, encoded, chunk.length);
            encoded = end;
            if (encoded == encodings.length) {
                byLength = lengthOrder();
                orderedLengths = Arrays.stream(byLength).map(this::length).toArray();
            }
            return;
        }
        CrossEncoderModel model = models.get(nextModel);
        int end = batchEnd();
        int[] batch = wantedBy(nextModel, Arrays.copyOfRange(byLength, nextBatchStart, end));
        if (batch.length > 0) {
            float[] batchScores = model.run(encodings, batch);
            for (int i = 0; i < batch.length; i++) {
                scores[nextModel][batch[i]] = batchScores[i];
                scored[nextModel].set(batch[i]);
            }
        }
        if (++nextModel == models.size()) {
            nextModel = 0;
            nextBatchStart = end;
        }
    }

    private int batchEnd() {
        CrossEncoderModel lead = models.get(0);
        return batchEnd(orderedLengths, nextBatchStart, lead.batchSize(), lead.batchTokens());
    }

    /**
     * Where the batch that starts at {@code start} ends: up to {@code batchSize} pairs, while the batch padded to its
     * longest pair stays within {@code batchTokens} (one pair at least). Long pairs so run in smaller batches, whose
     * attention (batch x length squared) stays in the caches.
     *
     * @param lengths the pairs' token counts, in the order they run
     */
    static int batchEnd(int[] lengths, int start, int batchSize, int batchTokens) {
        int limit = Math.min(lengths.length, start + batchSize);
        int end = start + 1;
        int width = lengths[start];
        while (end < limit) {
            int widened = Math.max(width, lengths[end]);
            if ((long) (end - start + 1) * widened > batchTokens) {
                break;
            }
            width = widened;
            end++;
        }
        return end;
    }

    private int[] wantedBy(int model, int[] batch) {
        if (wanted == null) {
            return batch;
        }
        return Arrays.stream(batch).filter(wanted.get(model)::get).toArray();
    }

    private int length(int passage) {
        return encodings[passage].getIds().length;
    }

    private int[] lengthOrder() {
        boolean sort = models.get(0).sortsByLength();
        return IntStream.range(0, encodings.length)
                .boxed()
                .sorted(Comparator.comparingInt(i -> sort ? length(i) : 0))
                .mapToInt(Integer::intValue)
                .toArray();
    }

    /** Per model, in the order given, its scores of the passages. */
    @Override
    public List<PassageScores> result(boolean timedOut) {
        List<PassageScores> results = new ArrayList<>(models.size());
        for (int m = 0; m < models.size(); m++) {
            results.add(new PassageScores(scores[m], scored[m], timedOut));
        }
        return results;
    }
}
