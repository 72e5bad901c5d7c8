/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.engine;

import com.google.protobuf.ByteString;
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
import org.crossencoder.opensearch.engine.onnx.OnnxMl.AttributeProto;
import org.crossencoder.opensearch.engine.onnx.OnnxMl.GraphProto;
import org.crossencoder.opensearch.engine.onnx.OnnxMl.ModelProto;
import org.crossencoder.opensearch.engine.onnx.OnnxMl.NodeProto;
import org.crossencoder.opensearch.engine.onnx.OnnxMl.OperatorSetIdProto;
import org.crossencoder.opensearch.engine.onnx.OnnxMl.TensorProto;
import org.crossencoder.opensearch.engine.onnx.OnnxMl.TensorShapeProto;
import org.crossencoder.opensearch.engine.onnx.OnnxMl.TypeProto;
import org.crossencoder.opensearch.engine.onnx.OnnxMl.ValueInfoProto;

/**
 * Writes a tiny cross-encoder with random weights that the project makes itself, so that a clone without
 * {@code ../shared} still tests the plugin end to end: an ONNX graph with the inputs and output of a BERT
 * cross-encoder ({@code input_ids}, {@code attention_mask}, {@code token_type_ids} -> {@code logits [batch, 1]})
 * and a WordPiece {@code tokenizer.json} with the {@code [CLS] query [SEP] passage [SEP]} pair template.
 * <p>
 * The graph embeds each token and its segment, passes it through one dense layer, averages over the tokens
 * the attention mask keeps and projects to one logit: no attention, so it says nothing about ranking, but
 * batching, padding, truncation, masks and segment ids all change its output as they would a real model's.
 * The graph is built with the plugin's own classes of ONNX's format ({@code engine.onnx.OnnxMl}).
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
        GraphProto.Builder graph = GraphProto.newBuilder().setName("tiny-cross-encoder");
        graph.addInitializer(floats("word_embeddings", random, vocabularySize, hidden));
        graph.addInitializer(floats("token_type_embeddings", random, 2, hidden));
        graph.addInitializer(floats("dense_weight", random, hidden, hidden));
        graph.addInitializer(floats("dense_bias", random, hidden));
        graph.addInitializer(floats("classifier_weight", random, hidden, 1));
        graph.addInitializer(floats("classifier_bias", random, 1));
        graph.addInitializer(int64s("axis_1", 1));
        graph.addInitializer(int64s("axis_2", 2));
        graph.addNode(node("Gather", List.of("word_embeddings", "input_ids"), "words"));
        graph.addNode(node("Gather", List.of("token_type_embeddings", "token_type_ids"), "segments"));
        graph.addNode(node("Add", List.of("words", "segments"), "embedded"));
        String layerInput = "embedded";
        for (int layer = 1; layer <= layers; layer++) {
            String suffix = layer == layers ? "" : "_" + layer;
            graph.addNode(node("MatMul", List.of(layerInput, "dense_weight"), "dense" + suffix));
            graph.addNode(node("Add", List.of("dense" + suffix, "dense_bias"), "dense_biased" + suffix));
            graph.addNode(node("Tanh", List.of("dense_biased" + suffix), "hidden" + suffix));
            layerInput = "hidden" + suffix;
        }
        graph.addNode(node("Cast", List.of("attention_mask"), "mask", intAttribute("to", TensorProto.DataType.FLOAT)));
        graph.addNode(node("Unsqueeze", List.of("mask", "axis_2"), "mask_3d"));
        graph.addNode(node("Mul", List.of("hidden", "mask_3d"), "masked"));
        graph.addNode(node("ReduceSum", List.of("masked", "axis_1"), "summed", intAttribute("keepdims", 0)));
        graph.addNode(node("ReduceSum", List.of("mask_3d", "axis_1"), "kept", intAttribute("keepdims", 0)));
        graph.addNode(node("Div", List.of("summed", "kept"), "pooled"));
        graph.addNode(node("MatMul", List.of("pooled", "classifier_weight"), "projected"));
        graph.addNode(node("Add", List.of("projected", "classifier_bias"), "logits"));
        for (String input : List.of("input_ids", "attention_mask", "token_type_ids")) {
            graph.addInput(valueInfo(input, TensorProto.DataType.INT64, "sequence"));
        }
        graph.addOutput(valueInfo("logits", TensorProto.DataType.FLOAT, null));
        return ModelProto.newBuilder()
                .setIrVersion(8)
                .setProducerName("cross-encoder tests")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(17))
                .setGraph(graph)
                .build()
                .toByteArray();
    }

    private static TensorProto floats(String name, Random random, int... dims) {
        int count = 1;
        for (int dim : dims) {
            count *= dim;
        }
        ByteBuffer data = ByteBuffer.allocate(count * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) {
            data.putFloat((float) (random.nextGaussian() * 0.5));
        }
        TensorProto.Builder tensor = TensorProto.newBuilder();
        for (int dim : dims) {
            tensor.addDims(dim);
        }
        return tensor.setDataType(TensorProto.DataType.FLOAT_VALUE)
                .setName(name)
                .setRawData(ByteString.copyFrom(data.array()))
                .build();
    }

    private static TensorProto int64s(String name, long... values) {
        ByteBuffer data = ByteBuffer.allocate(values.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (long value : values) {
            data.putLong(value);
        }
        return TensorProto.newBuilder()
                .addDims(values.length)
                .setDataType(TensorProto.DataType.INT64_VALUE)
                .setName(name)
                .setRawData(ByteString.copyFrom(data.array()))
                .build();
    }

    private static NodeProto node(String op, List<String> inputs, String output, AttributeProto... attributes) {
        return NodeProto.newBuilder()
                .addAllInput(inputs)
                .addOutput(output)
                .setName(output)
                .setOpType(op)
                .addAllAttribute(List.of(attributes))
                .build();
    }

    private static AttributeProto intAttribute(String name, long value) {
        return AttributeProto.newBuilder()
                .setName(name)
                .setI(value)
                .setType(AttributeProto.AttributeType.INT)
                .build();
    }

    private static AttributeProto intAttribute(String name, TensorProto.DataType value) {
        return intAttribute(name, value.getNumber());
    }

    /** A tensor's name, element type and shape [batch, second], or [batch, 1] when {@code second} is null. */
    private static ValueInfoProto valueInfo(String name, TensorProto.DataType elementType, String second) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder()
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("batch"));
        shape.addDim(
                second == null
                        ? TensorShapeProto.Dimension.newBuilder().setDimValue(1)
                        : TensorShapeProto.Dimension.newBuilder().setDimParam(second));
        TypeProto.Tensor tensorType = TypeProto.Tensor.newBuilder()
                .setElemType(elementType.getNumber())
                .setShape(shape)
                .build();
        return ValueInfoProto.newBuilder()
                .setName(name)
                .setType(TypeProto.newBuilder().setTensorType(tensorType))
                .build();
    }
}
