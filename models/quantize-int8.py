#!/usr/bin/env python3
"""Dynamic int8 quantization of a cross-encoder, as ONNX Runtime's quantize_dynamic does it for MatMul:
weights become int8 (symmetric, one scale per matrix) once, activations are quantized to uint8 on the fly
(DynamicQuantizeLinear -> MatMulInteger -> Cast -> Mul), which ONNX Runtime fuses into
DynamicQuantizeMatMul. Only MatMuls with a constant 2-D weight are touched; attention stays float.

The result is a separate model directory (its own name in requests): a faster model that may rank a little
differently is a choice for the user, never a silent swap. Needs Debian's python3-onnx and python3-numpy.

    models/quantize-int8.py SOURCE_MODEL_DIR DEST_MODEL_DIR
"""
import os
import shutil
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

source, dest = sys.argv[1], sys.argv[2]
model = onnx.load(os.path.join(source, "model.onnx"))
graph = model.graph
weights = {init.name: init for init in graph.initializer}
uses = {}
for node in graph.node:
    for name in node.input:
        uses[name] = uses.get(name, 0) + 1

nodes, added, dropped, quantized = [], [], set(), 0
for node in graph.node:
    weight = weights.get(node.input[1]) if node.op_type == "MatMul" and len(node.input) == 2 else None
    if weight is None or len(weight.dims) != 2:
        nodes.append(node)
        continue
    w = numpy_helper.to_array(weight).astype(np.float32)
    scale = max(float(np.abs(w).max()) / 127.0, 1e-12)
    base = (node.name or node.output[0]).replace("/", "_") + ".int8"
    added += [
        numpy_helper.from_array(np.clip(np.round(w / scale), -127, 127).astype(np.int8), base + ".weight"),
        numpy_helper.from_array(np.array(scale, dtype=np.float32), base + ".weight_scale"),
        numpy_helper.from_array(np.array(0, dtype=np.int8), base + ".weight_zero_point"),
    ]
    x = node.input[0]
    nodes += [
        helper.make_node("DynamicQuantizeLinear", [x], [base + ".x", base + ".x_scale", base + ".x_zero_point"]),
        helper.make_node("MatMulInteger", [base + ".x", base + ".weight", base + ".x_zero_point", base + ".weight_zero_point"], [base + ".int32"]),
        helper.make_node("Cast", [base + ".int32"], [base + ".float"], to=TensorProto.FLOAT),
        helper.make_node("Mul", [base + ".x_scale", base + ".weight_scale"], [base + ".scale"]),
        helper.make_node("Mul", [base + ".float", base + ".scale"], [node.output[0]]),
    ]
    if uses[node.input[1]] == 1:
        dropped.add(node.input[1])
    quantized += 1

del graph.node[:]
graph.node.extend(nodes)
kept = [init for init in graph.initializer if init.name not in dropped]
del graph.initializer[:]
graph.initializer.extend(kept + added)
os.makedirs(dest, exist_ok=True)
onnx.save(model, os.path.join(dest, "model.onnx"))
for name in ("tokenizer.json", "cross-encoder.json", "tokenizer_config.json", "config.json"):
    if os.path.exists(os.path.join(source, name)):
        shutil.copy(os.path.join(source, name), os.path.join(dest, name))
print(f"quantized {quantized} MatMul weights to int8: {dest}/model.onnx "
      f"({os.path.getsize(os.path.join(dest, 'model.onnx')) / 1e6:.1f} MB)")
