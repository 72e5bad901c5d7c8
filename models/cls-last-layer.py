#!/usr/bin/env python3
"""Computes a BERT cross-encoder's last encoder layer after attention at the [CLS] position only.

The classifier reads only the [CLS] vector of the last layer, so after that layer's attention (kept whole, which
ONNX Runtime fuses) its output projection, residuals, layer norms and feed-forward network are needed at position 0
alone. The rewrite slices the attention's output and the residual input to position 0 and lets every later shape
follow: the same scores (to float rounding) for about an eighth less dense work in a 6-layer model. It is a separate
model directory (its own name in requests), never a silent swap; checked against the original by
TrainedModelGoldenTests. Needs Debian's python3-onnx.

    models/cls-last-layer.py SOURCE_MODEL_DIR DEST_MODEL_DIR

Works on Hugging Face BERT exports (torch.onnx / optimum node names, /bert/encoder/layer.N/...); refuses others.
"""
import os
import re
import shutil
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper

source, dest = sys.argv[1], sys.argv[2]
model = onnx.load(os.path.join(source, "model.onnx"))
graph = model.graph
nodes = {node.name: node for node in graph.node}
layers = [int(m.group(1)) for n in nodes for m in [re.match(r"/bert/encoder/layer\.(\d+)/", n)] if m]
if not layers:
    sys.exit("not a Hugging Face BERT export: no /bert/encoder/layer.N/ nodes")
prefix = "/bert/encoder/layer.%d/" % max(layers)


def node(name):
    if prefix + name not in nodes:
        sys.exit("unexpected graph: no node " + prefix + name)
    return nodes[prefix + name]


def constant(name):
    producer = next((n for n in graph.node if name in n.output), None)
    if producer is not None and producer.op_type == "Constant":
        return numpy_helper.to_array(producer.attribute[0].t)
    init = next((i for i in graph.initializer if i.name == name), None)
    if init is None:
        sys.exit("unexpected graph: " + name + " is not a constant")
    return numpy_helper.to_array(init)


query = node("attention/self/query/MatMul")
hidden = query.input[0]
pooler = next((n for n in graph.node if n.op_type == "Gather" and n.name.startswith("/bert/pooler")), None)
if pooler is None or [a.i for a in pooler.attribute if a.name == "axis"] != [1] or int(constant(pooler.input[1])) != 0:
    sys.exit("unexpected graph: the classifier does not read position 0 of the last layer")

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


# Attention itself stays whole: ONNX Runtime fuses it into one kernel, and a query at [CLS] alone measured slower
# than the fused whole. From its output on, position 0 is enough: the output projection, both residuals, both layer
# norms and the feed-forward network, about three quarters of the layer's dense work.
output_dense = node("attention/output/dense/MatMul")
output_dense.input[0] = at_cls(output_dense.input[0], output_dense, "context")
residual = node("attention/output/Add")
residual.input[:] = [at_cls(hidden, residual, "hidden") if i == hidden else i for i in residual.input]

# Drop what no longer feeds the output.
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

onnx.checker.check_model(model)
os.makedirs(dest, exist_ok=True)
onnx.save(model, os.path.join(dest, "model.onnx"))
for name in os.listdir(source):
    if name != "model.onnx" and os.path.isfile(os.path.join(source, name)) and name.endswith(".json"):
        shutil.copy(os.path.join(source, name), os.path.join(dest, name))
print("wrote %s: last layer (%s) at [CLS] only" % (dest, prefix))
