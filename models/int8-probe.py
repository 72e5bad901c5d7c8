#!/usr/bin/env python3
"""How far int8 variants of a cross-encoder move its logits from the float model, in ONNX Runtime (pip packages
onnxruntime, tokenizers; onnx too for --sensitivity), on (query, passage) pairs from models/probe-pairs.py.

    models/int8-probe.py [--alone] PAIRS.tsv FLOAT_DIR VARIANT_DIR...  mean/max |logit - float logit|, pairs/s
    models/int8-probe.py --sensitivity K PAIRS.tsv FLOAT_DIR        one layer at a time, per channel

The first form is a prescreen: a variant worth judging on whole collections moves the logits least at a speed
well above float. Pairs/s is rough (one thread, batches of 8 pairs, padded to the batch's longest; the machine's
other work disturbs it). --sensitivity quantizes each encoder layer alone (models/quantize-int8.py --per-channel
--only-layers N, into a temporary directory), prints how far each moves the logits, and the --float-layers that
keep in float the K layers that move them most. Choose with pairs other than those you measure with.
--alone also runs every model on each pair alone (batches of 1) and prints how far that moves each pair's logit from
its batch's: dynamic int8 scales activations over the whole batch, so an int8 model's score of a pair depends on the
pairs batched with it; a float model's does not (beyond float rounding).
"""
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnxruntime
from tokenizers import Tokenizer


def batches(pairs_path, model_dir, size=8):
    tokenizer = Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json"))
    limit = json.load(open(os.path.join(model_dir, "cross-encoder.json"))).get("max_length", 512)
    tokenizer.enable_truncation(max_length=limit, strategy="only_second")
    tokenizer.enable_padding()
    pairs = [tuple(line.rstrip("\n").split("\t")[3:5]) for line in open(pairs_path)]
    result = []
    for start in range(0, len(pairs), size):
        encoded = tokenizer.encode_batch(pairs[start:start + size])
        result.append({name: np.array([getattr(e, attribute) for e in encoded], dtype=np.int64)
                       for name, attribute in (("input_ids", "ids"), ("attention_mask", "attention_mask"),
                                               ("token_type_ids", "type_ids"))})
    return result


def logits(model_dir, inputs):
    """The logits of every pair, and pairs/s of the second pass (the first warms up)."""
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    session = onnxruntime.InferenceSession(os.path.join(model_dir, "model.onnx"), options,
                                           providers=["CPUExecutionProvider"])
    names = {i.name for i in session.get_inputs()}
    run = lambda: np.concatenate([session.run(None, {k: v for k, v in b.items() if k in names})[0][:, 0]
                                  for b in inputs])
    run()
    start = time.perf_counter()
    values = run()
    return values, len(values) / (time.perf_counter() - start)


def error(reference, values):
    return float(np.abs(values - reference).mean()), float(np.abs(values - reference).max())


if __name__ == "__main__":
    arguments = sys.argv[1:]
    if arguments[0] == "--sensitivity":
        keep, pairs_path, float_dir = int(arguments[1]), arguments[2], arguments[3]
        inputs = batches(pairs_path, float_dir)
        reference, _ = logits(float_dir, inputs)
        layers = 0
        import onnx
        for node in onnx.load(os.path.join(float_dir, "model.onnx")).graph.node:
            if "layer." in node.name:
                layers = max(layers, int(node.name.split("layer.")[1].split("/")[0].split(".")[0]) + 1)
        table = []
        with tempfile.TemporaryDirectory() as temporary:
            for layer in range(layers):
                subprocess.run([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "quantize-int8.py"), "--per-channel", "--no-exact-levers", "--only-layers", str(layer),
                                float_dir, temporary], check=True, stdout=subprocess.DEVNULL)
                values, _ = logits(temporary, inputs)
                table.append((layer,) + error(reference, values))
        print(f"{len(reference)} pairs, float logits mean {reference.mean():.3f}, std {reference.std():.3f}")
        print("| layer quantized alone (per channel) | mean abs logit error | max abs logit error |")
        print("|---|---|---|")
        for layer, mean, worst in table:
            print(f"| {layer} | {mean:.4f} | {worst:.4f} |")
        chosen = sorted(layer for layer, _, _ in sorted(table, key=lambda row: -row[1])[:keep])
        print("--float-layers " + ",".join(map(str, chosen)))
    else:
        alone = arguments[0] == "--alone"
        pairs_path, float_dir, variants = arguments[alone], arguments[alone + 1], arguments[alone + 2:]
        inputs = batches(pairs_path, float_dir)
        singles = batches(pairs_path, float_dir, 1) if alone else None
        reference, float_speed = logits(float_dir, inputs)
        print(f"{len(reference)} pairs, float logits mean {reference.mean():.3f}, std {reference.std():.3f}")
        alone_header = " alone vs batched: mean abs | max abs |" if alone else ""
        print("| model | mean abs logit error | max abs logit error | pairs/s (1 thread) | vs float |" + alone_header)
        print("|---|---|---|---|---|" + ("---|---|" if alone else ""))

        def alone_columns(model_dir, batched):
            return " %.4f | %.4f |" % error(batched, logits(model_dir, singles)[0]) if alone else ""

        print(f"| {os.path.basename(os.path.normpath(float_dir))} | 0 | 0 | {float_speed:.1f} | 1.00x |"
              + alone_columns(float_dir, reference))
        for variant in variants:
            values, speed = logits(variant, inputs)
            mean, worst = error(reference, values)
            print(f"| {os.path.basename(os.path.normpath(variant))} | {mean:.4f} | {worst:.4f} | {speed:.1f} |"
                  f" {speed / float_speed:.2f}x |" + alone_columns(variant, values))
