/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.engine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Writes a tiny cross-encoder with random weights that the project makes itself, so that a clone without
 * {@code ../shared} still tests the plugin end to end: an ONNX graph with the inputs and output of a BERT
 * cross-encoder ({@code input_ids}, {@code attention_mask}, {@code token_type_ids} -> {@code logits [batch, 1]})
 * and a WordPiece {@code tokenizer.json} with the {@code [CLS] query [SEP] passage [SEP]} pair template.
 * <p>
 * The graph embeds each token and its segment, passes it through one dense layer, averages over the tokens
 * the attention mask keeps and projects to one logit: no attention, so it says nothing about ranking, but
 * batching, padding, truncation, masks and segment ids all change its output as they would a real model's.
 * The protobuf is written by hand (a few field numbers of onnx.proto) to need no ONNX library.
 */
public final class GeneratedTinyModel {

    public static final String NAME = "generated-tiny-cross-encoder";
    /**
     * The same graph with 512 hidden units and its dense layer applied 40 times (one weight, so the file stays about
     * 1 MB): about the compute of a MiniLM-L6 per token, slow enough for a test to time out or cancel a request mid-way.
     */
    public static final String SLOW_NAME = "generated-slow-cross-encoder";

    private static final int HIDDEN = 16;
    private static final int SLOW_HIDDEN = 512;
    private static final int SLOW_LAYERS = 40;
    private static final long SEED = 20261125L;
    private static final Set<Path> WRITTEN = new HashSet<>();

    private GeneratedTinyModel() {}

    /** The model's directory under {@code root}, written once per JVM (so a changed generator never leaves old files). */
    public static Path writeTo(Path root) throws IOException {
        return write(root.resolve(NAME), HIDDEN, 1);
    }

    /** As {@link #writeTo}, for the {@link #SLOW_NAME} model. */
    public static Path writeSlowTo(Path root) throws IOException {
        return write(root.resolve(SLOW_NAME), SLOW_HIDDEN, SLOW_LAYERS);
    }

    private static synchronized Path write(Path dir, int hidden, int layers) throws IOException {
        if (WRITTEN.contains(dir)) {
            return dir;
        }
        Files.createDirectories(dir);
        List<String> vocabulary = vocabulary();
        writeAtomically(dir.resolve("tokenizer.json"), tokenizerJson(vocabulary).getBytes(StandardCharsets.UTF_8));
        writeAtomically(dir.resolve("model.onnx"), model(vocabulary.size(), hidden, layers));
        WRITTEN.add(dir);
        return dir;
    }

    private static void writeAtomically(Path target, byte[] bytes) throws IOException {
        Path partial = target.resolveSibling(target.getFileName() + ".partial");
        Files.write(partial, bytes);
        Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Special tokens, whole words of the tests' texts, and letters and digits (alone and as ##suffixes) for anything else. */
    static List<String> vocabulary() {
        List<String> vocabulary = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]"));
        vocabulary.addAll(List.of(
                "the",
                "of",
                "in",
                "and",
                "a",
                "to",
                "is",
                "how",
                "many",
                "people",
                "live",
                "berlin",
                "new",
                "york",
                "city",
                "population",
                "museum",
                "museums",
                "fact",
                "title",
                "has",
                "who",
                "can",
                "visit",
                "about",
                "million",
                "number"));
        for (char c = 'a'; c <= 'z'; c++) {
            vocabulary.add(String.valueOf(c));
            vocabulary.add("##" + c);
        }
        for (char c = '0'; c <= '9'; c++) {
            vocabulary.add(String.valueOf(c));
            vocabulary.add("##" + c);
        }
        vocabulary.addAll(List.of(".", ",", "?", "!", "'", "-", ":", ";", "(", ")"));
        return vocabulary;
    }

    private static String tokenizerJson(List<String> vocabulary) {
        String addedTokens = List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]").stream()
                .map(
                        token -> "{\"id\":" + vocabulary.indexOf(token) + ",\"content\":\"" + token
                                + "\",\"single_word\":false,\"lstrip\":false,\"rstrip\":false,\"normalized\":false,\"special\":true}")
                .collect(Collectors.joining(","));
        Map<String, Integer> ids = new LinkedHashMap<>();
        for (int i = 0; i < vocabulary.size(); i++) {
            ids.put(vocabulary.get(i), i);
        }
        String vocab = ids.entrySet().stream()
                .map(e -> "\"" + e.getKey() + "\":" + e.getValue())
                .collect(Collectors.joining(","));
        String cls = "{\"SpecialToken\":{\"id\":\"[CLS]\",\"type_id\":0}}";
        String single = "[" + cls
                + ",{\"Sequence\":{\"id\":\"A\",\"type_id\":0}},{\"SpecialToken\":{\"id\":\"[SEP]\",\"type_id\":0}}]";
        String pair = "[" + cls
                + ",{\"Sequence\":{\"id\":\"A\",\"type_id\":0}},{\"SpecialToken\":{\"id\":\"[SEP]\",\"type_id\":0}},"
                + "{\"Sequence\":{\"id\":\"B\",\"type_id\":1}},{\"SpecialToken\":{\"id\":\"[SEP]\",\"type_id\":1}}]";
        return "{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,\"added_tokens\":[" + addedTokens + "],"
                + "\"normalizer\":{\"type\":\"BertNormalizer\",\"clean_text\":true,\"handle_chinese_chars\":true,\"strip_accents\":null,\"lowercase\":true},"
                + "\"pre_tokenizer\":{\"type\":\"BertPreTokenizer\"},"
                + "\"post_processor\":{\"type\":\"TemplateProcessing\",\"single\":" + single + ",\"pair\":" + pair
                + ",\"special_tokens\":{"
                + "\"[CLS]\":{\"id\":\"[CLS]\",\"ids\":[" + ids.get("[CLS]") + "],\"tokens\":[\"[CLS]\"]},"
                + "\"[SEP]\":{\"id\":\"[SEP]\",\"ids\":[" + ids.get("[SEP]") + "],\"tokens\":[\"[SEP]\"]}}},"
                + "\"decoder\":{\"type\":\"WordPiece\",\"prefix\":\"##\",\"cleanup\":true},"
                + "\"model\":{\"type\":\"WordPiece\",\"unk_token\":\"[UNK]\",\"continuing_subword_prefix\":\"##\",\"max_input_chars_per_word\":100,"
                + "\"vocab\":{" + vocab + "}}}";
    }

    private static byte[] model(int vocabularySize, int hidden, int layers) {
        Random random = new Random(SEED);
        Proto graph = new Proto().string(2, "tiny-cross-encoder");
        graph.message(5, floats("word_embeddings", random, vocabularySize, hidden));
        graph.message(5, floats("token_type_embeddings", random, 2, hidden));
        graph.message(5, floats("dense_weight", random, hidden, hidden));
        graph.message(5, floats("dense_bias", random, hidden));
        graph.message(5, floats("classifier_weight", random, hidden, 1));
        graph.message(5, floats("classifier_bias", random, 1));
        graph.message(5, int64s("axis_1", 1));
        graph.message(5, int64s("axis_2", 2));
        graph.message(1, node("Gather", List.of("word_embeddings", "input_ids"), "words"));
        graph.message(1, node("Gather", List.of("token_type_embeddings", "token_type_ids"), "segments"));
        graph.message(1, node("Add", List.of("words", "segments"), "embedded"));
        String layerInput = "embedded";
        for (int layer = 1; layer <= layers; layer++) {
            String suffix = layer == layers ? "" : "_" + layer;
            graph.message(1, node("MatMul", List.of(layerInput, "dense_weight"), "dense" + suffix));
            graph.message(1, node("Add", List.of("dense" + suffix, "dense_bias"), "dense_biased" + suffix));
            graph.message(1, node("Tanh", List.of("dense_biased" + suffix), "hidden" + suffix));
            layerInput = "hidden" + suffix;
        }
        graph.message(1, node("Cast", List.of("attention_mask"), "mask", intAttribute("to", 1)));
        graph.message(1, node("Unsqueeze", List.of("mask", "axis_2"), "mask_3d"));
        graph.message(1, node("Mul", List.of("hidden", "mask_3d"), "masked"));
        graph.message(1, node("ReduceSum", List.of("masked", "axis_1"), "summed", intAttribute("keepdims", 0)));
        graph.message(1, node("ReduceSum", List.of("mask_3d", "axis_1"), "kept", intAttribute("keepdims", 0)));
        graph.message(1, node("Div", List.of("summed", "kept"), "pooled"));
        graph.message(1, node("MatMul", List.of("pooled", "classifier_weight"), "projected"));
        graph.message(1, node("Add", List.of("projected", "classifier_bias"), "logits"));
        for (String input : List.of("input_ids", "attention_mask", "token_type_ids")) {
            graph.message(11, valueInfo(input, 7, "batch", "sequence"));
        }
        graph.message(12, valueInfo("logits", 1, "batch", null));
        return new Proto()
                .varint(1, 8)
                .string(2, "cross-encoder tests")
                .message(8, new Proto().string(1, "").varint(2, 17))
                .message(7, graph)
                .bytes();
    }

    private static Proto floats(String name, Random random, int... dims) {
        int count = 1;
        for (int dim : dims) {
            count *= dim;
        }
        ByteBuffer data = ByteBuffer.allocate(count * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) {
            data.putFloat((float) (random.nextGaussian() * 0.5));
        }
        Proto tensor = new Proto();
        for (int dim : dims) {
            tensor.varint(1, dim);
        }
        return tensor.varint(2, 1).string(8, name).bytes(9, data.array());
    }

    private static Proto int64s(String name, long... values) {
        ByteBuffer data = ByteBuffer.allocate(values.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (long value : values) {
            data.putLong(value);
        }
        return new Proto().varint(1, values.length).varint(2, 7).string(8, name).bytes(9, data.array());
    }

    private static Proto node(String op, List<String> inputs, String output, Proto... attributes) {
        Proto node = new Proto();
        inputs.forEach(input -> node.string(1, input));
        node.string(2, output).string(3, output).string(4, op);
        for (Proto attribute : attributes) {
            node.message(5, attribute);
        }
        return node;
    }

    private static Proto intAttribute(String name, long value) {
        return new Proto().string(1, name).varint(3, value).varint(20, 2);
    }

    /** A tensor's name, element type (1 float, 7 int64) and shape of named dimensions, the last one 1 when {@code second} is null. */
    private static Proto valueInfo(String name, int elementType, String first, String second) {
        Proto shape = new Proto().message(1, new Proto().string(2, first));
        shape.message(1, second == null ? new Proto().varint(1, 1) : new Proto().string(2, second));
        Proto tensorType = new Proto().varint(1, elementType).message(2, shape);
        return new Proto().string(1, name).message(2, new Proto().message(1, tensorType));
    }

    /** Protocol buffers' wire format, the little of it an ONNX file needs. */
    private static final class Proto {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Proto varint(int field, long value) {
            key(field, 0);
            writeVarint(value);
            return this;
        }

        Proto bytes(int field, byte[] value) {
            key(field, 2);
            writeVarint(value.length);
            out.writeBytes(value);
            return this;
        }

        Proto string(int field, String value) {
            return bytes(field, value.getBytes(StandardCharsets.UTF_8));
        }

        Proto message(int field, Proto message) {
            return bytes(field, message.bytes());
        }

        byte[] bytes() {
            return out.toByteArray();
        }

        private void key(int field, int wireType) {
            writeVarint(((long) field << 3) | wireType);
        }

        private void writeVarint(long value) {
            while ((value & ~0x7FL) != 0) {
                out.write((int) ((value & 0x7F) | 0x80));
                value >>>= 7;
            }
            out.write((int) value);
        }
    }
}
