#!/usr/bin/env python3
"""Computes a cross-encoder's last encoder layer after attention at the [CLS] position only, in a model directory of
its own.

The classifier reads only the [CLS] vector of the last layer, so after that layer's attention its output projection,
residuals, layer norms and feed-forward network are needed at position 0 alone: the same scores (to float rounding)
for about an eighth less dense work in a 6-layer model (models/exact_levers.py has the rewrite). models/import-model.py
applies it by itself, checked in ONNX Runtime; this script is for a model directory made elsewhere (a downloaded
export), written as a separate model directory (its own name in requests), never a silent swap; checked against the
original by TrainedModelGoldenTests. Needs Debian's python3-onnx.

    models/cls-last-layer.py SOURCE_MODEL_DIR DEST_MODEL_DIR

Works on Hugging Face BERT (MiniLM included), XLM-RoBERTa and ELECTRA exports (torch.onnx / optimum node names,
/<family>/encoder/layer.N/...) whose head reads the [CLS] position only; refuses others, with the reason. The copy's
cross-encoder.json records the rewrite in "exact_levers".
"""
import json
import os
import shutil
import sys

import onnx

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from exact_levers import CLS_LAST_LAYER, Unsupported, cls_last_layer  # noqa: E402
from model_dir import CONFIG, InputError, read_config  # noqa: E402

source, dest = sys.argv[1], sys.argv[2]
model = onnx.load(os.path.join(source, "model.onnx"))
try:
    done = cls_last_layer(model)
    config = read_config(source)
except (Unsupported, InputError) as e:
    sys.exit("cls-last-layer: %s: %s" % (source, e))
onnx.checker.check_model(model)
os.makedirs(dest, exist_ok=True)
onnx.save(model, os.path.join(dest, "model.onnx"))
for name in os.listdir(source):
    if name not in ("model.onnx", CONFIG) and os.path.isfile(os.path.join(source, name)) and name.endswith(".json"):
        shutil.copy(os.path.join(source, name), os.path.join(dest, name))
config["exact_levers"] = config.get("exact_levers", []) + [CLS_LAST_LAYER]
with open(os.path.join(dest, CONFIG), "w", encoding="utf-8") as file:
    file.write(json.dumps(config, indent=2) + "\n")
print("wrote %s: %s" % (dest, done))
