"""Exact levers: rewrites of a cross-encoder's ONNX graph that give the same logits (to float rounding) for less work.

models/import-model.py applies them to every model it imports (and checks them in ONNX Runtime);
models/cls-last-layer.py applies the one there is to a model directory made elsewhere. Needs only onnx and numpy
(Debian's python3-onnx).

Each lever takes an onnx.ModelProto, rewrites it in place and returns a one-line description of what it did, or raises
Unsupported with a one-line reason and leaves the model as it was.
"""
import re

import numpy as np
from onnx import helper, numpy_helper

# The encoder layers of a Hugging Face BERT, XLM-RoBERTa or ELECTRA model exported by torch.onnx or optimum: their
# layers are the same module (attention, output projection, residual, layer norm, feed-forward network).
LAYER = re.compile(r"/(bert|roberta|electra)/encoder/layer\.(\d+)/")
CLS_LAST_LAYER = "cls_last_layer"


class Unsupported(Exception):
    """The graph is not one the lever knows how to rewrite; the reason is one line."""


def _constant(graph, name):
    """The value of a Constant node's output or of an initializer; None when the tensor is computed."""
    for node in graph.node:
        if name in node.output:
            values = [a.t for a in node.attribute if a.name == "value"] if node.op_type == "Constant" else []
            return numpy_helper.to_array(values[0]) if values else None
    return next((numpy_helper.to_array(i) for i in graph.initializer if i.name == name), None)


def _reads_position_zero(graph, node):
    """Whether the node takes position 0 of axis 1 (the [CLS] vector): a Gather along axis 1 at the scalar index 0."""
    if node.op_type != "Gather" or [a.i for a in node.attribute if a.name == "axis"] != [1]:
        return False
    index = _constant(graph, node.input[1])
    return index is not None and index.shape == () and int(index) == 0


def cls_last_layer(model):
    """The last encoder layer after its attention at the [CLS] position only.

    The classifier reads only the [CLS] vector of the last layer, so after that layer's attention (kept whole, which
    ONNX Runtime fuses into one kernel; a query at [CLS] alone measured slower than the fused whole) its output
    projection, residuals, layer norms and feed-forward network are needed at position 0 alone, about three quarters
    of the layer's dense work. The rewrite slices the attention's output and the residual input to position 0 and
    lets every later shape follow.
    """
    graph = model.graph
    if any(node.name.startswith("/cls_last_layer/") for node in graph.node):
        raise Unsupported("the last layer already runs at [CLS] only")
    layers = {(m.group(1), int(m.group(2))) for node in graph.node for m in [LAYER.match(node.name)] if m}
    if not layers:
        raise Unsupported("not a Hugging Face BERT, XLM-RoBERTa or ELECTRA export: no /<family>/encoder/layer.N/ nodes")
    if len({family for family, _ in layers}) != 1:
        raise Unsupported("encoder layers of more than one model: " + ", ".join(sorted({f for f, _ in layers})))
    family, last = max(layers, key=lambda layer: layer[1])
    prefix = "/%s/encoder/layer.%d/" % (family, last)
    nodes = {node.name: node for node in graph.node}

    def node(name):
        if prefix + name not in nodes:
            raise Unsupported("unexpected graph: no node " + prefix + name)
        return nodes[prefix + name]

    # Exact only if nothing but a read of position 0 consumes the last layer's output.
    in_layer = {output for n in graph.node if n.name.startswith(prefix) for output in n.output}
    leaving = {i for n in graph.node if not n.name.startswith(prefix) for i in n.input if i in in_layer}
    leaving |= {o.name for o in graph.output if o.name in in_layer}
    if len(leaving) != 1:
        raise Unsupported("unexpected graph: %d tensors leave the last layer (%s), not one" % (len(leaving), prefix))
    layer_output = leaving.pop()
    readers = [n for n in graph.node if layer_output in n.input]
    if layer_output in {o.name for o in graph.output} or not all(_reads_position_zero(graph, n) for n in readers):
        raise Unsupported("the head reads more of the last layer than the [CLS] position: "
                          + ", ".join(n.op_type + " " + n.name for n in readers))

    output_dense = node("attention/output/dense/MatMul")
    residual = node("attention/output/Add")
    hidden = node("attention/self/query/MatMul").input[0]
    if hidden not in residual.input:
        raise Unsupported("unexpected graph: " + residual.name + " does not add the layer's input")

    def init(name, values):
        graph.initializer.append(numpy_helper.from_array(np.array(values, dtype=np.int64), name))
        return name

    slice_at_cls = [init("cls_last_layer/zero", [0]), init("cls_last_layer/one", [1]), init("cls_last_layer/axis", [1])]

    def at_cls(tensor, consumer, name):
        """Inserts, before `consumer`, a Slice of `tensor` to position 0 of axis 1, and returns its output."""
        sliced = "cls_last_layer/" + name
        graph.node.insert(
            list(graph.node).index(consumer),
            helper.make_node("Slice", [tensor] + slice_at_cls, [sliced], name="/cls_last_layer/Slice_" + name))
        return sliced

    output_dense.input[0] = at_cls(output_dense.input[0], output_dense, "context")
    residual.input[:] = [at_cls(hidden, residual, "hidden") if i == hidden else i for i in residual.input]
    drop_unused(graph)
    return "last layer (%s) at [CLS] only" % prefix


def drop_unused(graph):
    """Drops the nodes and initializers that no longer feed an output."""
    needed = {o.name for o in graph.output}
    kept = []
    for n in reversed(list(graph.node)):
        if any(o in needed for o in n.output):
            kept.append(n)
            needed.update(n.input)
    del graph.node[:]
    graph.node.extend(reversed(kept))
    used = [i for i in graph.initializer if i.name in needed]
    del graph.initializer[:]
    graph.initializer.extend(used)


# Name (as cross-encoder.json's "exact_levers" records it) -> lever, in the order they are applied.
LEVERS = {CLS_LAST_LAYER: cls_last_layer}
