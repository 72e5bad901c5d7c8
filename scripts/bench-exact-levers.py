#!/usr/bin/env python3
"""Pairs per second of a model directory and of its exact-lever rewrite in ONNX Runtime (Python), taking turns.

    target/import-venv/bin/python scripts/bench-exact-levers.py MODEL_DIR REWRITTEN_DIR [--pairs 200] [--rounds 3]

The pairs are the first --pairs judged (query, abstract) pairs of SciFact's test qrels (../shared/datasets/scifact),
encoded once with the model's tokenizer.json (max_length and truncation from its cross-encoder.json), sorted by length
and run in batches of 8 padded to their longest on 2 intra-op threads, as the plugin runs them, without the node and
without spinning threads (so that CPU time counts the model's work). Each round runs every batch through both models,
batch by batch, the two taking turns to go first, so that both see the same load on a busy machine (after one warm-up
pass each). It prints, per round and as means, pairs per second of wall time and pairs per CPU second of this process
(which a busy machine disturbs less), and the largest logit difference between the two on all the pairs.
"""
import argparse
import csv
import json
import os
import time

import numpy as np
import onnxruntime
from tokenizers import Tokenizer

HERE = os.path.dirname(os.path.abspath(__file__))


def scifact_pairs(count):
    folder = os.path.join(HERE, "..", "..", "shared", "datasets", "scifact")
    with open(os.path.join(folder, "queries.jsonl"), encoding="utf-8") as file:
        queries = {q["_id"]: q["text"] for q in map(json.loads, file)}
    with open(os.path.join(folder, "corpus.jsonl"), encoding="utf-8") as file:
        corpus = {d["_id"]: (d["title"] + " " + d["text"]).strip() for d in map(json.loads, file)}
    with open(os.path.join(folder, "qrels", "test.tsv"), encoding="utf-8") as file:
        rows = list(csv.DictReader(file, delimiter="\t"))
    return [(queries[row["query-id"]], corpus[row["corpus-id"]]) for row in rows[:count]]


def batches(model_dir, pairs, size):
    with open(os.path.join(model_dir, "cross-encoder.json"), encoding="utf-8") as file:
        config = json.load(file)
    tokenizer = Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json"))
    pad_id = (tokenizer.padding or {}).get("pad_id", 0)
    tokenizer.no_padding()
    tokenizer.enable_truncation(config.get("max_length", 512), strategy=config.get("truncation", "longest_first"))
    encodings = sorted(tokenizer.encode_batch(pairs), key=lambda e: len(e.ids))
    result = []
    for start in range(0, len(encodings), size):
        chunk = encodings[start:start + size]
        width = max(len(e.ids) for e in chunk)
        pad = lambda rows, value=0: np.array([r + [value] * (width - len(r)) for r in rows], dtype=np.int64)  # noqa
        result.append({"input_ids": pad([e.ids for e in chunk], pad_id),
                       "attention_mask": pad([e.attention_mask for e in chunk]),
                       "token_type_ids": pad([e.type_ids for e in chunk])})
    return result, sum(len(e.ids) for e in encodings)


def session(model_dir):
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 2
    options.inter_op_num_threads = 1
    # Spinning threads would count their waiting as CPU time.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return onnxruntime.InferenceSession(os.path.join(model_dir, "model.onnx"), options,
                                        providers=["CPUExecutionProvider"])


def run_batch(model, batch):
    return model.run(["logits"], {i.name: batch[i.name] for i in model.get_inputs()})[0]


def run(model, work):
    return np.concatenate([run_batch(model, batch) for batch in work])


def main():
    arguments = argparse.ArgumentParser()
    arguments.add_argument("model")
    arguments.add_argument("rewritten")
    arguments.add_argument("--pairs", type=int, default=200)
    arguments.add_argument("--rounds", type=int, default=3)
    options = arguments.parse_args()
    work, tokens = batches(options.model, scifact_pairs(options.pairs), 8)
    print(f"{options.pairs} SciFact pairs, {tokens / options.pairs:.0f} tokens a pair on average, batches of 8",
          flush=True)
    models = {name: session(path) for name, path in (("unmodified", options.model), ("rewritten", options.rewritten))}
    logits = {name: run(model, work) for name, model in models.items()}
    wall, cpu = {name: [] for name in models}, {name: [] for name in models}
    for round_number in range(1, options.rounds + 1):
        seconds = {name: [0.0, 0.0] for name in models}
        for index, batch in enumerate(work):
            for name in list(models)[::1 if index % 2 == 0 else -1]:
                start, start_cpu = time.perf_counter(), time.process_time()
                run_batch(models[name], batch)
                seconds[name][0] += time.perf_counter() - start
                seconds[name][1] += time.process_time() - start_cpu
        for name in models:
            wall[name].append(options.pairs / seconds[name][0])
            cpu[name].append(options.pairs / seconds[name][1])
        print(f"round {round_number}: " + ", ".join(
            f"{name} {wall[name][-1]:.1f} pairs/s, {cpu[name][-1]:.1f} pairs/CPU s" for name in models), flush=True)
    for label, rates in (("pairs/s", wall), ("pairs/CPU s", cpu)):
        means = {name: sum(r) / len(r) for name, r in rates.items()}
        print(f"mean {label}: " + ", ".join(f"{name} {means[name]:.1f}" for name in models)
              + f"; ratio {means['rewritten'] / means['unmodified']:.3f}")
    print(f"largest logit difference: {float(np.max(np.abs(logits['unmodified'] - logits['rewritten']))):.2g}")


if __name__ == "__main__":
    main()
