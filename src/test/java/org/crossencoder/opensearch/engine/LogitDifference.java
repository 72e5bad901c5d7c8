/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.engine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.common.xcontent.json.JsonXContent;

/**
 * How far other files of a model (int8 variants, graph rewrites) move its logits: the mean and largest |logit - the
 * reference's logit| over the first queries of a collection against its first passages, each model run directly.
 *
 * <pre>mvn -Peval verify -Deval.main=org.crossencoder.opensearch.engine.LogitDifference
 *     -Dlogits.dataset=../shared/datasets/scifact -Dlogits.reference=MODEL_DIR -Dlogits.models=DIR,DIR</pre>
 */
public final class LogitDifference {

    private LogitDifference() {}

    public static void main(String[] args) throws Exception {
        Path dataset = Paths.get(System.getProperty("logits.dataset"));
        List<String> queries = texts(dataset.resolve("queries.jsonl"), Integer.getInteger("logits.queries", 2));
        List<String> passages = texts(dataset.resolve("corpus.jsonl"), Integer.getInteger("logits.passages", 160));
        float[][] reference = logits(Paths.get(System.getProperty("logits.reference")), queries, passages);
        for (String model : System.getProperty("logits.models").split(",")) {
            Path dir = Paths.get(model.strip());
            float[][] logits = logits(dir, queries, passages);
            double sum = 0;
            double max = 0;
            int pairs = 0;
            for (int q = 0; q < logits.length; q++) {
                for (int p = 0; p < logits[q].length; p++) {
                    double difference = Math.abs(logits[q][p] - reference[q][p]);
                    sum += difference;
                    max = Math.max(max, difference);
                    pairs++;
                }
            }
            System.out.printf(
                    Locale.ROOT,
                    "%s: mean |logit - reference| %.4f, largest %.4f over %d pairs%n",
                    dir.getFileName(),
                    sum / pairs,
                    max,
                    pairs);
        }
    }

    private static float[][] logits(Path dir, List<String> queries, List<String> passages) throws Exception {
        try (CrossEncoderModel model = CrossEncoderModel.load(
                dir.getFileName().toString(), dir, new CrossEncoderModel.InferenceOptions(8, 2))) {
            float[][] logits = new float[queries.size()][];
            for (int q = 0; q < queries.size(); q++) {
                logits[q] = model.score(queries.get(q), passages);
            }
            return logits;
        }
    }

    private static List<String> texts(Path jsonl, int limit) throws Exception {
        List<String> texts = new ArrayList<>();
        for (String line : Files.readAllLines(jsonl)) {
            if (texts.size() == limit) {
                break;
            }
            if (line.isBlank() == false) {
                texts.add((String) XContentHelper.convertToMap(JsonXContent.jsonXContent, line, false)
                        .get("text"));
            }
        }
        return texts;
    }
}
