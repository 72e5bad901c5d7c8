/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.engine;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.crossencoder.opensearch.engine.onnx.OnnxMl.AttributeProto;
import org.crossencoder.opensearch.engine.onnx.OnnxMl.GraphProto;
import org.crossencoder.opensearch.engine.onnx.OnnxMl.ModelProto;
import org.crossencoder.opensearch.engine.onnx.OnnxMl.NodeProto;
import org.crossencoder.opensearch.engine.onnx.OnnxMl.OperatorSetIdProto;
import org.crossencoder.opensearch.engine.onnx.OnnxMl.TensorProto;
import org.crossencoder.opensearch.engine.onnx.OnnxMl.ValueInfoProto;

/**
 * The exact lever "last layer at [CLS] only". The classifier reads only the [CLS] vector of the last encoder layer, so
 * after that layer's attention (kept whole: ONNX Runtime fuses it into one kernel, and a query at [CLS] alone measured
 * slower than the fused whole) its output projection, residuals, layer norms and feed-forward network are needed at
 * position 0 alone, about three quarters of the layer's dense work. The rewrite slices the attention's output and the
 * residual input to position 0 and lets every later shape follow. It knows the graphs of Hugging Face BERT,
 * XLM-RoBERTa and ELECTRA models as torch.onnx and optimum export them; {@code models/exact_levers.py} is the same
 * rewrite for the import.
 */
final class ClsLastLayer {

    static final String NAME = "cls_last_layer";
    /** Every node and tensor the rewrite adds is named under it, which also marks a graph already rewritten. */
    private static final String MARK = "cls_last_layer/";

    private static final int SLICE_WITH_INPUTS = 10;

    private static final Pattern LAYER = Pattern.compile("/(bert|roberta|electra)/encoder/layer\\.(\\d+)/.*");

    private ClsLastLayer() {}

    /** Rewrites the model's graph in place and says what it did; leaves it as it was and throws if it cannot. */
    static String apply(ModelProto.Builder model) {
        GraphProto.Builder graph = model.getGraphBuilder();
        if (graph.getNodeList().stream().anyMatch(node -> node.getName().startsWith("/" + MARK))) {
            throw new ExactLevers.AlreadyApplied();
        }
        if (graph.getNodeList().stream().anyMatch(ClsLastLayer::hasSubgraph)) {
            throw new ExactLevers.Unsupported("the graph has subgraphs (If, Loop or Scan nodes)");
        }
        long opset = model.getOpsetImportList().stream()
                .filter(opsetId ->
                        opsetId.getDomain().isEmpty() || opsetId.getDomain().equals("ai.onnx"))
                .mapToLong(OperatorSetIdProto::getVersion)
                .max()
                .orElse(0);
        if (opset < SLICE_WITH_INPUTS) {
            throw new ExactLevers.Unsupported("opset " + opset + " is older than " + SLICE_WITH_INPUTS
                    + ", the first whose Slice takes its bounds as inputs");
        }
        Set<String> families = new TreeSet<>();
        int last = -1;
        for (NodeProto node : graph.getNodeList()) {
            Matcher layer = LAYER.matcher(node.getName());
            if (layer.matches()) {
                families.add(layer.group(1));
                last = Math.max(last, Integer.parseInt(layer.group(2)));
            }
        }
        if (families.isEmpty()) {
            throw new ExactLevers.Unsupported(
                    "not a Hugging Face BERT, XLM-RoBERTa or ELECTRA export: no /<family>/encoder/layer.N/ nodes");
        }
        if (families.size() > 1) {
            throw new ExactLevers.Unsupported("encoder layers of more than one model: " + families);
        }
        String prefix = String.format(
                Locale.ROOT, "/%s/encoder/layer.%d/", families.iterator().next(), last);

        // Exact only if nothing but a read of position 0 consumes the last layer's output.
        Set<String> inLayer = new HashSet<>();
        for (NodeProto node : graph.getNodeList()) {
            if (node.getName().startsWith(prefix)) {
                inLayer.addAll(node.getOutputList());
            }
        }
        Set<String> graphOutputs =
                graph.getOutputList().stream().map(ValueInfoProto::getName).collect(Collectors.toSet());
        Set<String> leaving = new TreeSet<>();
        for (NodeProto node : graph.getNodeList()) {
            if (node.getName().startsWith(prefix) == false) {
                node.getInputList().stream().filter(inLayer::contains).forEach(leaving::add);
            }
        }
        graphOutputs.stream().filter(inLayer::contains).forEach(leaving::add);
        if (leaving.size() != 1) {
            throw new ExactLevers.Unsupported(
                    "unexpected graph: " + leaving.size() + " tensors leave the last layer (" + prefix + "), not one");
        }
        String layerOutput = leaving.iterator().next();
        List<NodeProto> readers = graph.getNodeList().stream()
                .filter(node -> node.getInputList().contains(layerOutput))
                .toList();
        if (graphOutputs.contains(layerOutput)
                || readers.stream().allMatch(node -> readsPositionZero(graph, node)) == false) {
            throw new ExactLevers.Unsupported("the head reads more of the last layer than the [CLS] position: "
                    + readers.stream()
                            .map(node -> node.getOpType() + " " + node.getName())
                            .collect(Collectors.joining(", ")));
        }

        String denseName = prefix + "attention/output/dense/MatMul";
        String residualName = prefix + "attention/output/Add";
        indexOf(graph, denseName);
        String hidden = graph.getNode(indexOf(graph, prefix + "attention/self/query/MatMul"))
                .getInput(0);
        if (graph.getNode(indexOf(graph, residualName)).getInputList().contains(hidden) == false) {
            throw new ExactLevers.Unsupported("unexpected graph: " + residualName + " does not add the layer's input");
        }

        List<String> sliceInputs = List.of(
                constant(graph, MARK + "zero", 0), constant(graph, MARK + "one", 1), constant(graph, MARK + "axis", 1));
        String hiddenAtCls = sliceBefore(graph, residualName, hidden, "hidden", sliceInputs);
        NodeProto.Builder add = graph.getNodeBuilder(indexOf(graph, residualName));
        for (int i = 0; i < add.getInputCount(); i++) {
            if (add.getInput(i).equals(hidden)) {
                add.setInput(i, hiddenAtCls);
            }
        }
        String context = graph.getNode(indexOf(graph, denseName)).getInput(0);
        String contextAtCls = sliceBefore(graph, denseName, context, "context", sliceInputs);
        graph.getNodeBuilder(indexOf(graph, denseName)).setInput(0, contextAtCls);
        dropUnused(graph);
        return "last layer (" + prefix + ") at [CLS] only";
    }

    private static boolean hasSubgraph(NodeProto node) {
        return node.getAttributeList().stream().anyMatch(a -> a.hasG() || a.getGraphsCount() > 0);
    }

    private static int indexOf(GraphProto.Builder graph, String name) {
        for (int i = 0; i < graph.getNodeCount(); i++) {
            if (graph.getNode(i).getName().equals(name)) {
                return i;
            }
        }
        throw new ExactLevers.Unsupported("unexpected graph: no node " + name);
    }

    /** Inserts, before the node {@code consumer}, a Slice of {@code tensor} to position 0 of axis 1; its output. */
    private static String sliceBefore(
            GraphProto.Builder graph, String consumer, String tensor, String name, List<String> sliceInputs) {
        String sliced = MARK + name;
        graph.addNode(
                indexOf(graph, consumer),
                NodeProto.newBuilder()
                        .setOpType("Slice")
                        .setName("/" + MARK + "Slice_" + name)
                        .addInput(tensor)
                        .addAllInput(sliceInputs)
                        .addOutput(sliced));
        return sliced;
    }

    /** Adds a one-element int64 initializer. */
    private static String constant(GraphProto.Builder graph, String name, long value) {
        graph.addInitializer(TensorProto.newBuilder()
                .setName(name)
                .setDataType(TensorProto.DataType.INT64_VALUE)
                .addDims(1)
                .addInt64Data(value));
        return name;
    }

    /** Whether the node takes position 0 of axis 1 (the [CLS] vector): a Gather along axis 1 at the scalar index 0. */
    private static boolean readsPositionZero(GraphProto.Builder graph, NodeProto node) {
        if (node.getOpType().equals("Gather") == false
                || node.getAttributeList().stream().noneMatch(a -> a.getName().equals("axis") && a.getI() == 1)) {
            return false;
        }
        TensorProto index = constantValue(graph, node.getInput(1));
        Long position = index == null || index.getDimsCount() != 0 ? null : scalar(index);
        return position != null && position == 0L;
    }

    /** The value of a Constant node's output or of an initializer; null when the tensor is computed. */
    private static TensorProto constantValue(GraphProto.Builder graph, String name) {
        for (NodeProto node : graph.getNodeList()) {
            if (node.getOutputList().contains(name)) {
                return node.getOpType().equals("Constant")
                        ? node.getAttributeList().stream()
                                .filter(a -> a.getName().equals("value") && a.hasT())
                                .map(AttributeProto::getT)
                                .findFirst()
                                .orElse(null)
                        : null;
            }
        }
        return graph.getInitializerList().stream()
                .filter(tensor -> tensor.getName().equals(name))
                .findFirst()
                .orElse(null);
    }

    /** An integer scalar's value; null for another type. */
    private static Long scalar(TensorProto tensor) {
        ByteString raw = tensor.getRawData();
        ByteBuffer bytes = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        return switch (tensor.getDataType()) {
            case TensorProto.DataType.INT64_VALUE ->
                raw.isEmpty()
                        ? (tensor.getInt64DataCount() == 1 ? tensor.getInt64Data(0) : null)
                        : (raw.size() == Long.BYTES ? bytes.getLong() : null);
            case TensorProto.DataType.INT32_VALUE ->
                raw.isEmpty()
                        ? (tensor.getInt32DataCount() == 1 ? (long) tensor.getInt32Data(0) : null)
                        : (raw.size() == Integer.BYTES ? (long) bytes.getInt() : null);
            default -> null;
        };
    }

    /** Drops the nodes and initializers that no longer feed an output. */
    private static void dropUnused(GraphProto.Builder graph) {
        Set<String> needed = graph.getOutputList().stream()
                .map(ValueInfoProto::getName)
                .collect(Collectors.toCollection(HashSet::new));
        List<NodeProto> kept = new ArrayList<>();
        for (int i = graph.getNodeCount() - 1; i >= 0; i--) {
            NodeProto node = graph.getNode(i);
            if (node.getOutputList().stream().anyMatch(needed::contains)) {
                kept.add(0, node);
                needed.addAll(node.getInputList());
            }
        }
        graph.clearNode().addAllNode(kept);
        List<TensorProto> used = graph.getInitializerList().stream()
                .filter(tensor -> needed.contains(tensor.getName()))
                .toList();
        graph.clearInitializer().addAllInitializer(used);
    }
}
