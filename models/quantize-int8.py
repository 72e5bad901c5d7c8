#!/usr/bin/env python3
"""Dynamic int8 quantization of a cross-encoder, as ONNX Runtime's quantize_dynamic does it for MatMul:
weights become int8 (symmetric, one scale per matrix) once, activations are quantized to uint8 on the fly
(DynamicQuantizeLinear -> MatMulInteger -> Cast -> Mul), which ONNX Runtime fuses into
DynamicQuantizeMatMul. Only MatMuls with a constant 2-D weight are touched; attention stays float.

The result is a separate model directory (its own name in requests): a faster model that may rank a little
differently is a choice for the user, never a silent swap. Needs Debian's python3-onnx and python3-numpy.

    models/quantize-int8.py [--per-channel] [--float-layers 0,5 | --only-layers 3] [--feed-forward-only]
                            [--static PAIRS.tsv] [--no-exact-levers] SOURCE_MODEL_DIR DEST_MODEL_DIR

Dynamic int8 first computes the last layer at [CLS] only (models/exact_levers.py), as the node does at load for a
float model: the node cannot do it for an int8 graph, whose last layer has no float MatMuls left to rewrite. The
lever itself is exact, but int8 activations are then scaled over the [CLS] rows of that layer instead of every
token's, so the variant's scores are its own (judge it like any int8 variant); --no-exact-levers leaves it out.

--per-channel gives each output column of a weight its own scale (one outlier column no longer coarsens the
whole matrix); --float-layers leaves the MatMuls of the named encoder layers (layer.N in the graph's node names)
in float, the layers where quantization error hurts the ranking most (models/int8-probe.py --sensitivity picks
them: it quantizes one layer at a time with --only-layers, which leaves every other layer in float);
--feed-forward-only quantizes only each layer's feed-forward MatMuls (intermediate/dense and output/dense) and
leaves attention (query, key, value, attention/output/dense) in float.
--static PAIRS.tsv writes static QDQ int8 instead (activation scales fixed ahead of time): ONNX Runtime's
quantize_static, calibrated (MinMax) on the (query, passage) pairs of PAIRS.tsv (models/probe-pairs.py: train/dev
queries only, never test ones); needs the onnxruntime and tokenizers pip packages.
"""
import argparse
import json
import os
import re
import shutil
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from exact_levers import CLS_LAST_LAYER, Unsupported, cls_last_layer, drop_unused  # noqa: E402
from model_dir import CONFIG, read_config  # noqa: E402

arguments = argparse.ArgumentParser(description="int8 weights for a cross-encoder's MatMuls")
arguments.add_argument("--per-channel", action="store_true", help="one scale per output column")
arguments.add_argument("--float-layers", default="", help="encoder layers kept in float, e.g. 0,5")
arguments.add_argument("--only-layers", default="", help="quantize only these encoder layers, e.g. 3")
arguments.add_argument("--feed-forward-only", action="store_true", help="attention MatMuls stay float")
arguments.add_argument("--static", metavar="PAIRS.tsv", help="static QDQ calibrated on these pairs")
arguments.add_argument("--no-exact-levers", action="store_true", help="no [CLS]-only last layer before int8")
arguments.add_argument("source")
arguments.add_argument("dest")
options = arguments.parse_args()
source, dest = options.source, options.dest
float_layers = {int(layer) for layer in options.float_layers.split(",") if layer.strip()}
only_layers = {int(layer) for layer in options.only_layers.split(",") if layer.strip()}


def in_float_layer(node):
    """Whether this MatMul stays float: its layer is kept in float or not chosen, or it is attention under
    --feed-forward-only."""
    match = re.search(r"layer\.(\d+)[/.]", node.name or "")
    layer = int(match.group(1)) if match else None
    if options.feed_forward_only and not re.search(r"layer\.\d+/(intermediate|output)/dense/", node.name or ""):
        return True
    return layer in float_layers or (bool(only_layers) and layer not in only_layers)


def copy_files(config):
    """The tokenizer files as plain writable copies (the source may be read-only), and the variant's own config."""
    for name in ("tokenizer.json", "tokenizer_config.json", "config.json"):
        if os.path.exists(os.path.join(source, name)):
            shutil.copyfile(os.path.join(source, name), os.path.join(dest, name))
    with open(os.path.join(dest, CONFIG), "w", encoding="utf-8") as file:
        file.write(json.dumps(config, indent=2) + "\n")


if options.static:
    from onnxruntime.quantization import (CalibrationDataReader, QuantFormat, QuantType, quantize_static)
    from tokenizers import Tokenizer

    class Pairs(CalibrationDataReader):
        """The calibration pairs, eight to a batch, tokenized as the plugin does: [CLS] query [SEP] passage [SEP]."""
        def __init__(self):
            tokenizer = Tokenizer.from_file(os.path.join(source, "tokenizer.json"))
            limit = json.load(open(os.path.join(source, "cross-encoder.json"))).get("max_length", 512)
            tokenizer.enable_truncation(max_length=limit, strategy="only_second")
            tokenizer.enable_padding()
            pairs = [line.rstrip("\n").split("\t")[3:5] for line in open(options.static)]
            self.batches = []
            for start in range(0, len(pairs), 8):
                encoded = tokenizer.encode_batch([tuple(pair) for pair in pairs[start:start + 8]])
                self.batches.append({name: np.array([getattr(e, attribute) for e in encoded], dtype=np.int64)
                                     for name, attribute in (("input_ids", "ids"), ("attention_mask", "attention_mask"),
                                                             ("token_type_ids", "type_ids"))})
            self.next_batch = iter(self.batches)

        def get_next(self):
            return next(self.next_batch, None)

    model = onnx.load(os.path.join(source, "model.onnx"))
    constants = {init.name for init in model.graph.initializer}
    chosen = [node.name for node in model.graph.node if node.op_type == "MatMul" and node.input[1] in constants
              and not in_float_layer(node)]
    os.makedirs(dest, exist_ok=True)
    quantize_static(os.path.join(source, "model.onnx"), os.path.join(dest, "model.onnx"), Pairs(),
                    quant_format=QuantFormat.QDQ, per_channel=options.per_channel, nodes_to_quantize=chosen,
                    activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8)
    copy_files(read_config(source))
    print(f"static QDQ int8 for {len(chosen)} MatMuls, calibrated on {options.static}: {dest}/model.onnx")
    raise SystemExit

model = onnx.load(os.path.join(source, "model.onnx"))
config = read_config(source)
if not options.no_exact_levers and CLS_LAST_LAYER not in config.get("exact_levers", []):
    try:
        print(cls_last_layer(model))
        config["exact_levers"] = config.get("exact_levers", []) + [CLS_LAST_LAYER]
    except Unsupported as e:
        print("no [CLS]-only last layer: %s" % e)
graph = model.graph
weights = {init.name: init for init in graph.initializer}
# Exports that store weights as float16 feed each MatMul through a Cast to float32: the weight is behind it.
weights.update({node.output[0]: weights[node.input[0]] for node in graph.node
                if node.op_type == "Cast" and node.input[0] in weights
                and any(a.name == "to" and a.i == TensorProto.FLOAT for a in node.attribute)})
nodes, added, quantized = [], [], 0
for node in graph.node:
    weight = weights.get(node.input[1]) if node.op_type == "MatMul" and len(node.input) == 2 else None
    if weight is None or len(weight.dims) != 2 or in_float_layer(node):
        nodes.append(node)
        continue
    w = numpy_helper.to_array(weight).astype(np.float32)
    if options.per_channel:
        scale = np.maximum(np.abs(w).max(axis=0) / 127.0, 1e-12).astype(np.float32)
    else:
        scale = np.float32(max(float(np.abs(w).max()) / 127.0, 1e-12))
    base = (node.name or node.output[0]).replace("/", "_") + ".int8"
    added += [
        numpy_helper.from_array(np.clip(np.round(w / scale), -127, 127).astype(np.int8), base + ".weight"),
        numpy_helper.from_array(np.asarray(scale, dtype=np.float32), base + ".weight_scale"),
        numpy_helper.from_array(
            np.zeros(w.shape[1], dtype=np.int8) if options.per_channel else np.array(0, dtype=np.int8),
            base + ".weight_zero_point"),
    ]
    x = node.input[0]
    nodes += [
        helper.make_node("DynamicQuantizeLinear", [x], [base + ".x", base + ".x_scale", base + ".x_zero_point"]),
        helper.make_node("MatMulInteger", [base + ".x", base + ".weight", base + ".x_zero_point", base + ".weight_zero_point"], [base + ".int32"]),
        helper.make_node("Cast", [base + ".int32"], [base + ".float"], to=TensorProto.FLOAT),
        helper.make_node("Mul", [base + ".x_scale", base + ".weight_scale"], [base + ".scale"]),
        helper.make_node("Mul", [base + ".float", base + ".scale"], [node.output[0]]),
    ]
    quantized += 1

if quantized == 0:
    print(f"quantize-int8: {source}: no MatMul with a constant 2-D weight to quantize"
          f"{' outside the float layers' if float_layers or only_layers or options.feed_forward_only else ''}",
          file=sys.stderr)
    raise SystemExit(2)
del graph.node[:]
graph.node.extend(nodes)
graph.initializer.extend(added)
drop_unused(graph)  # the float weights (and their casts) that only the quantized MatMuls read
os.makedirs(dest, exist_ok=True)
onnx.save(model, os.path.join(dest, "model.onnx"))
copy_files(config)
print(f"quantized {quantized} MatMul weights to int8"
      f"{' per channel' if options.per_channel else ''}"
      f"{', layers ' + options.float_layers + ' kept in float' if float_layers else ''}"
      f"{', only layers ' + options.only_layers if only_layers else ''}"
      f"{', feed-forward only' if options.feed_forward_only else ''}: {dest}/model.onnx "
      f"({os.path.getsize(os.path.join(dest, 'model.onnx')) / 1e6:.1f} MB)")
