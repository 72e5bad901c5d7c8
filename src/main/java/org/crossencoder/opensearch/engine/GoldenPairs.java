/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.engine;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.onnxruntime.OrtException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.core.xcontent.DeprecationHandler;
import org.opensearch.core.xcontent.NamedXContentRegistry;
import org.opensearch.core.xcontent.XContentParser;

/**
 * The check of a model directory's {@code golden.json} ({@code models/import-model.py} writes it): (query, passage)
 * pairs with the token ids the original checkpoint's tokenizer gave them and the logits the original checkpoint gave.
 * A model that does not reproduce them, with the node's own tokenizer and engine, within {@link #TOLERANCE}, fails
 * to load, and the load error (shown by the models API) lists the pairs that differ: a {@code tokenizer.json} that
 * is not the model's, a broken export or a {@code cross-encoder.json} edited since the import is caught before the
 * model ranks anything.
 *
 * <pre>{"max_length": 512, "truncation": "longest_first",
 *  "pairs": [{"query": "...", "passage": "...", "input_ids": [101, ...], "logits": [8.6071]}, ...]}</pre>
 *
 * {@code input_ids} is optional; the other keys of the file describe where it came from and are not read. A
 * {@code golden.json} that is a list (the reference files of the project's trained test models, (query, passage,
 * logit) triples that their tests check to 1e-3) is not this file and is not checked at load.
 */
final class GoldenPairs {

    private static final Logger logger = LogManager.getLogger(GoldenPairs.class);

    static final String FILE_NAME = "golden.json";
    static final float TOLERANCE = 1e-4f;
    /** How many differing pairs the error lists; it counts them all. */
    private static final int LISTED = 5;

    private record Pair(String query, String passage, long[] inputIds, float[] logits) {}

    private GoldenPairs() {}

    /** Checks the model against its directory's {@code golden.json}, if it has one. */
    static void verify(CrossEncoderModel model, Path directory) throws IOException, OrtException {
        Path file = directory.resolve(FILE_NAME);
        if (Files.exists(file) == false) {
            return;
        }
        Map<String, Object> golden;
        try (InputStream in = Files.newInputStream(file);
                XContentParser parser = JsonXContent.jsonXContent.createParser(
                        NamedXContentRegistry.EMPTY, DeprecationHandler.THROW_UNSUPPORTED_OPERATION, in)) {
            if (parser.nextToken() == XContentParser.Token.START_ARRAY) {
                logger.info(
                        "model [{}]: its [{}] is a list, not import-model.py's golden pairs: not checked",
                        model.name(),
                        FILE_NAME);
                return;
            }
            golden = parser.map();
        }
        List<Pair> pairs = pairs(golden);
        Encoding[] encodings = new Encoding[pairs.size()];
        for (int i = 0; i < encodings.length; i++) {
            encodings[i] =
                    model.encode(pairs.get(i).query(), List.of(pairs.get(i).passage()))[0];
        }
        int[] all = new int[encodings.length];
        Arrays.setAll(all, i -> i);
        float[][] logits = model.logits(encodings, all);
        List<String> differences = new ArrayList<>();
        for (int i = 0; i < encodings.length; i++) {
            String difference = difference(pairs.get(i), encodings[i].getIds(), logits[i]);
            if (difference != null) {
                differences.add("pair " + i + " " + difference);
            }
        }
        if (differences.isEmpty() == false) {
            ModelConfig config = model.config();
            Object maxLength = golden.get("max_length");
            Object truncation = golden.get("truncation");
            boolean sameSettings = (maxLength == null || maxLength.equals(config.maxLength()))
                    && (truncation == null
                            || truncation.equals(config.truncation().toString()));
            throw new IllegalArgumentException("model [" + model.name() + "] does not reproduce its [" + FILE_NAME
                    + "]: " + differences.size() + " of " + pairs.size() + " pairs differ by more than " + TOLERANCE
                    + (sameSettings
                            ? ""
                            : " (it was made with max_length [" + maxLength + "] and truncation [" + truncation
                                    + "], the model runs with [" + config.maxLength() + "] and [" + config.truncation()
                                    + "])")
                    + "; check that tokenizer.json is the model's own and cross-encoder.json as the import wrote it: "
                    + String.join("; ", differences.subList(0, Math.min(LISTED, differences.size())))
                    + (differences.size() > LISTED ? "; ..." : ""));
        }
    }

    /** What differs for one pair, or null. */
    private static String difference(Pair pair, long[] ids, float[] logits) {
        String tokens = "";
        if (pair.inputIds() != null && Arrays.equals(pair.inputIds(), ids) == false) {
            int at = Arrays.mismatch(pair.inputIds(), ids);
            tokens = "tokens differ from position " + at + " (" + ids.length + " tokens, ["
                    + (at < ids.length ? ids[at] : "end") + "] where " + FILE_NAME + " has " + pair.inputIds().length
                    + " tokens, [" + (at < pair.inputIds().length ? pair.inputIds()[at] : "end") + "]), ";
        }
        float largest = logits.length == pair.logits().length ? 0 : Float.NaN;
        for (int j = 0; j < logits.length && j < pair.logits().length; j++) {
            largest = Math.max(largest, Math.abs(logits[j] - pair.logits()[j]));
        }
        if (tokens.isEmpty() && largest <= TOLERANCE) {
            return null;
        }
        return "(" + quote(pair.query()) + ", " + quote(pair.passage()) + "): " + tokens + "logits "
                + Arrays.toString(logits) + " where " + FILE_NAME + " has " + Arrays.toString(pair.logits())
                + " (difference " + String.format(Locale.ROOT, "%.2e", largest) + ")";
    }

    private static String quote(String text) {
        return "\"" + (text.length() > 40 ? text.substring(0, 40) + "..." : text) + "\"";
    }

    private static List<Pair> pairs(Map<String, Object> golden) {
        if (golden.get("pairs") instanceof List<?> list && list.isEmpty() == false) {
            List<Pair> pairs = new ArrayList<>(list.size());
            for (Object entry : list) {
                double[] logits = entry instanceof Map<?, ?> candidate ? numbers(candidate.get("logits")) : null;
                if (entry instanceof Map<?, ?> map
                        && map.get("query") instanceof String query
                        && map.get("passage") instanceof String passage
                        && logits != null
                        && logits.length > 0
                        && (map.get("input_ids") == null || numbers(map.get("input_ids")) != null)) {
                    double[] ids = numbers(map.get("input_ids"));
                    float[] expected = new float[logits.length];
                    for (int j = 0; j < logits.length; j++) {
                        expected[j] = (float) logits[j];
                    }
                    pairs.add(new Pair(
                            query,
                            passage,
                            ids == null
                                    ? null
                                    : Arrays.stream(ids)
                                            .mapToLong(id -> (long) id)
                                            .toArray(),
                            expected));
                } else {
                    throw invalid("each pair needs [query] and [passage] (strings), [logits] (numbers) and optionally"
                            + " [input_ids] (numbers); got " + entry);
                }
            }
            return pairs;
        }
        throw invalid("it needs [pairs], a list of (query, passage) pairs with their logits");
    }

    /** The values of a list of numbers, or null if it is not one. */
    private static double[] numbers(Object value) {
        if (value instanceof List<?> list && list.stream().allMatch(Number.class::isInstance)) {
            return list.stream()
                    .mapToDouble(number -> ((Number) number).doubleValue())
                    .toArray();
        }
        return null;
    }

    private static IllegalArgumentException invalid(String reason) {
        return new IllegalArgumentException("[" + FILE_NAME + "]: " + reason);
    }
}
