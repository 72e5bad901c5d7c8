#!/usr/bin/env python3
"""Platt scaling for a cross-encoder: probability = sigmoid(scale * logit + bias), fitted on labelled pairs.

Why: a cross-encoder's logit orders passages well but is not a probability. Ours are trained with a listwise
softmax loss, which does not change when every logit of a group moves by the same amount, so the logits have no
absolute level to speak of: sigmoid(logit) is a number between 0 and 1, not the chance that the passage is
relevant. Scores that must mean the same thing across queries or across models (a threshold, an ensemble that
averages two models) need that level fitted. Platt scaling (Platt 1999) fits the two numbers that matter, a scale
and an offset, with a few thousand labelled pairs; it is monotone, so a model's ranking is unchanged. Isotonic
regression would need more pairs and flattens scores into ties; temperature scaling has no offset.

Input: a TSV with the header `query_id<TAB>doc_id<TAB>label<TAB>logit`, one row per reranked (query, passage) pair:
label 1 when the qrels judge the passage relevant (grade >= 1), else 0 (unjudged passages count as 0), and the
model's raw logit. `scripts/scores.sh` (the ScoreEvaluation main) writes them, one file per collection, split and
model, from BM25's top 100 reranked by each model alone:
`target/eval/scores/<dataset>-<split>-<model>.tsv`, where the split is `dev` (the pairs to fit on: SciFact's 100
held-out train queries, NFCorpus dev) or `test` (the pairs to evaluate on).

    models/fit-calibration.py fit PAIRS.tsv --model-dir DIR [--output-dir OUT] [--fitted-on TEXT]
    models/fit-calibration.py evaluate PAIRS.tsv [--model-dir DIR | --scale S --bias B] [--markdown]

`fit` finds scale and bias by Newton's method on the log-loss, with Platt's smoothed targets (positives
(N+ + 1)/(N+ + 2), negatives 1/(N- + 2)) so that separable data still has a finite fit, prints them, and writes
`"calibration": {"scale": S, "bias": B, "fitted_on": TEXT}` into the model directory's `cross-encoder.json`,
every other key kept. The model directories we are given are read-only: `--output-dir OUT` first copies the
directory's files into OUT and writes there (a model directory of its own, for the node's models path).

`evaluate` prints, for sigmoid(logit) and for the calibrated probability (scale and bias from DIR's
cross-encoder.json, or given), the expected calibration error (15 equal-width bins, weighted by their pairs), the
log-loss (natural log, probabilities clipped to [1e-7, 1 - 1e-7]) and the Brier score. Needs Python 3 and numpy.
"""
import argparse
import math
import os
import sys

import numpy as np
from model_dir import CONFIG, InputError, read_config, update_config

HEADER = ["query_id", "doc_id", "label", "logit"]
BINS = 15
CLIP = 1e-7



def read_pairs(path):
    """The labels (0/1) and logits of a pairs TSV, checked."""
    if not os.path.isfile(path):
        raise InputError(f"no such file: {path}")
    labels, logits = [], []
    with open(path, encoding="utf-8") as pairs:
        header = pairs.readline().rstrip("\r\n").split("\t")
        if header != HEADER:
            raise InputError(f"{path}: header must be {' '.join(HEADER)} (tab-separated), got {' '.join(header)}")
        for number, line in enumerate(pairs, start=2):
            line = line.rstrip("\r\n")
            if not line:
                continue
            columns = line.split("\t")
            if len(columns) != len(HEADER):
                raise InputError(f"{path}:{number}: expected {len(HEADER)} tab-separated columns, got {len(columns)}")
            if columns[2] not in ("0", "1"):
                raise InputError(f"{path}:{number}: label must be 0 or 1, got {columns[2]!r}")
            try:
                logit = float(columns[3])
            except ValueError:
                raise InputError(f"{path}:{number}: logit is not a number: {columns[3]!r}") from None
            if not math.isfinite(logit):
                raise InputError(f"{path}:{number}: logit is not finite: {columns[3]!r}")
            labels.append(int(columns[2]))
            logits.append(logit)
    labels, logits = np.array(labels, dtype=np.float64), np.array(logits, dtype=np.float64)
    positives = int(labels.sum())
    if positives == 0 or positives == len(labels):
        raise InputError(f"{path}: {len(labels)} pairs, {positives} positive: both labels are needed")
    return labels, logits


def sigmoid(z):
    return np.exp(-np.logaddexp(0.0, -z))


def fit_platt(labels, logits, max_iterations=100):
    """Scale and bias minimizing the log-loss against Platt's smoothed targets (Newton's method with a backtracking
    line search, as in Lin, Lin and Weng 2007, "A note on Platt's probabilistic outputs")."""
    positives = labels.sum()
    negatives = len(labels) - positives
    targets = np.where(labels == 1, (positives + 1) / (positives + 2), 1 / (negatives + 2))

    def loss(scale, bias):
        z = scale * logits + bias
        return float(np.sum(np.logaddexp(0.0, z) - targets * z))

    scale, bias = 0.0, math.log((positives + 1) / (negatives + 1))
    value = loss(scale, bias)
    for _ in range(max_iterations):
        p = sigmoid(scale * logits + bias)
        gradient = np.array([np.sum((p - targets) * logits), np.sum(p - targets)])
        if np.max(np.abs(gradient)) < 1e-9 * len(labels):
            break
        w = p * (1 - p)
        hessian = np.array([[np.sum(w * logits * logits), np.sum(w * logits)], [np.sum(w * logits), np.sum(w)]])
        step = -np.linalg.solve(hessian + 1e-12 * np.eye(2), gradient)
        slope = float(gradient @ step)
        length = 1.0
        while length >= 1e-10:
            candidate = loss(scale + length * step[0], bias + length * step[1])
            if candidate <= value + 1e-4 * length * slope:
                break
            length /= 2
        else:
            break  # no step lowers the loss any more: as close as floating point gets
        scale, bias, value = scale + length * step[0], bias + length * step[1], candidate
    return scale, bias


def significant(x, digits=6):
    return float(f"{x:.{digits}g}")


def metrics(labels, probabilities):
    """Expected calibration error, log-loss and Brier score of probabilities against 0/1 labels."""
    bins = np.minimum((probabilities * BINS).astype(int), BINS - 1)
    ece = 0.0
    for b in range(BINS):
        members = bins == b
        if members.any():
            ece += members.sum() / len(labels) * abs(labels[members].mean() - probabilities[members].mean())
    clipped = np.clip(probabilities, CLIP, 1 - CLIP)
    log_loss = -np.mean(labels * np.log(clipped) + (1 - labels) * np.log(1 - clipped))
    brier = np.mean((probabilities - labels) ** 2)
    return float(ece), float(log_loss), float(brier)






def command_fit(options):
    labels, logits = read_pairs(options.pairs)
    if not os.path.isdir(options.model_dir):
        raise InputError(f"no such model directory: {options.model_dir}")
    scale, bias = (significant(x) for x in fit_platt(labels, logits))
    fitted_on = options.fitted_on if options.fitted_on is not None else os.path.basename(options.pairs)

    def set_calibration(config):
        config["calibration"] = {"scale": scale, "bias": bias, "fitted_on": fitted_on}

    path = update_config(options.model_dir, options.output_dir, set_calibration)
    print(f"pairs {len(labels)}, positives {int(labels.sum())}: scale {scale:g}, bias {bias:g}, written to {path}")


def command_evaluate(options):
    labels, logits = read_pairs(options.pairs)
    rows = [("sigmoid(logit)", sigmoid(logits))]
    if options.model_dir:
        calibration = read_config(options.model_dir).get("calibration")
        if not isinstance(calibration, dict) or not {"scale", "bias"} <= calibration.keys():
            raise InputError(f"{os.path.join(options.model_dir, CONFIG)} has no calibration scale and bias")
        scale, bias = float(calibration["scale"]), float(calibration["bias"])
    else:
        scale, bias = options.scale, options.bias
    if scale is not None:
        rows.append((f"calibrated (scale {scale:g}, bias {bias:g})", sigmoid(scale * logits + bias)))
    name = os.path.basename(options.pairs)
    pairs, positives = len(labels), int(labels.sum())
    if options.markdown:
        print(f"| pairs file | probability | pairs | positives | ECE ({BINS} bins) | log-loss | Brier |")
        print("|---|---|---|---|---|---|---|")
        for label, probabilities in rows:
            ece, log_loss, brier = metrics(labels, probabilities)
            print(f"| {name} | {label} | {pairs} | {positives} | {ece:.4f} | {log_loss:.4f} | {brier:.4f} |")
    else:
        print(f"{name}: pairs {pairs}, positives {positives}")
        width = max(len(label) for label, _ in rows)
        print(f"{'probability':<{width}}  {'ECE':>7}  {'log-loss':>8}  {'Brier':>7}")
        for label, probabilities in rows:
            ece, log_loss, brier = metrics(labels, probabilities)
            print(f"{label:<{width}}  {ece:7.4f}  {log_loss:8.4f}  {brier:7.4f}")


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="fit-calibration.py", description="Platt scaling of a cross-encoder's logits"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    fit = commands.add_parser("fit", help="fit scale and bias, write them into cross-encoder.json")
    fit.add_argument("pairs", help="TSV: query_id, doc_id, label, logit")
    fit.add_argument("--model-dir", required=True, help="the model directory whose cross-encoder.json to update")
    fit.add_argument("--output-dir", help="copy the model directory here first and write the copy")
    fit.add_argument("--fitted-on", help="what the fit used, kept in cross-encoder.json (default: the TSV's name)")
    evaluate = commands.add_parser("evaluate", help="ECE, log-loss and Brier score, uncalibrated and calibrated")
    evaluate.add_argument("pairs", help="TSV: query_id, doc_id, label, logit")
    source = evaluate.add_mutually_exclusive_group()
    source.add_argument("--model-dir", help="read scale and bias from this directory's cross-encoder.json")
    source.add_argument("--scale", type=float, help="with --bias: the calibration to evaluate")
    evaluate.add_argument("--bias", type=float)
    evaluate.add_argument("--markdown", action="store_true", help="print a markdown table")
    options = parser.parse_args(argv)
    if options.command == "evaluate" and (options.scale is None) != (options.bias is None):
        parser.error("--scale and --bias go together")
    if options.command == "evaluate" and options.model_dir and options.bias is not None:
        parser.error("--bias goes with --scale, not --model-dir")
    try:
        (command_fit if options.command == "fit" else command_evaluate)(options)
    except (InputError, OSError) as e:
        print(f"fit-calibration.py: error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
