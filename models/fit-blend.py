#!/usr/bin/env python3
"""The default blend of a cross-encoder with the first stage, chosen by nDCG@10 on judged queries.

Why: a cross-encoder reranks well on text like its training data and can lose to BM25 on text unlike it; blending
its score with the first stage's (`score_mode: interpolate`) keeps the gain in domain and avoids the loss outside it.
How much of each depends on the model and the collection. This script measures every blend the plugin offers on a
judged split of your own data and writes the best into the model's `cross-encoder.json` as its default blend
(`score_mode`, `normalization`, `weight`), which every search that does not say takes. Fit on one split (dev), and
measure the choice on another (test) with `evaluate`.

Input: two TREC run files of the same queries (`query_id Q0 doc_id rank score tag`) and judgments.
- FIRST_STAGE.run: the first stage's top hits with their scores (BM25 or any retriever).
- RERANKED.run: the same hits scored by the model alone (`score_mode: replace`): its score for every hit of the window.
- QRELS: the judgments, in TREC form (`query_id 0 doc_id grade`) or BEIR form (a TSV with the header
  `query-id<TAB>corpus-id<TAB>score`).
The relevance evaluation writes both runs for a split: `scripts/eval.sh DATASET MODEL -Deval.split=dev` leaves
`bm25-multifield.run` and `bm25-multifield-top-100-reranked-by-cross-encoder-MODEL-over-title-text.run` in
`target/eval/DATASET-dev/MODEL/`; `--runs DIR` reads those two from DIR.

    models/fit-blend.py fit (--runs DIR | FIRST_STAGE.run RERANKED.run) QRELS --model-dir DIR [--output-dir OUT]
        [--weights 0,0.1,...] [--window N] [--markdown]
    models/fit-blend.py evaluate (--runs DIR | FIRST_STAGE.run RERANKED.run) QRELS [--model-dir DIR] [--markdown]

Each blend is computed as the plugin computes it over the first `--window` hits of each query (100, the harness's
window): `weight * norm(model) + (1 - weight) * norm(first stage)`, with `min_max` ((s - min) / (max - min); 1 when
all are equal) or `reciprocal_rank` (1 / (60 + rank)) over the window; hits below the window follow in first-stage
order. `replace` orders by the model's score. nDCG@10 is trec_eval's (linear gains, log2 discounts, the ideal order of
all judged documents, runs sorted by score descending and ties by document id descending), averaged over the queries
of the first-stage run that the judgments name.

`fit` prints the table it chose from (every candidate, best marked), then writes the best into the model directory's
`cross-encoder.json`, every other key kept (`{"score_mode": "replace"}`, or `interpolate` with its `normalization` and
`weight`); ties go to the candidate listed first (replace, then min_max, then reciprocal_rank, weights ascending).
`--output-dir OUT` copies the directory into OUT first and writes there (the shared models are read-only).
`evaluate` prints the first stage alone, `replace`, the plugin's default blend (interpolate, min_max, 0.5) and the
model's default blend from `--model-dir` (when its `cross-encoder.json` sets one). Needs Python 3 and numpy.
"""
import argparse
import glob
import math
import os
import sys

import numpy as np
from model_dir import CONFIG, InputError, read_config, update_config

NORMALIZATIONS = ("min_max", "reciprocal_rank")
RANK_CONSTANT = 60
PLUGIN_DEFAULT = {"score_mode": "interpolate", "normalization": "min_max", "weight": 0.5}
DEFAULT_WEIGHTS = [round(0.1 * i, 1) for i in range(11)]
FIRST_STAGE_RUN = "bm25-multifield.run"
RERANKED_RUN = "bm25-multifield-top-*-reranked-by-cross-encoder-*.run"



def read_run(path):
    """{query: {doc: score}} of a TREC run file, checked."""
    if not os.path.isfile(path):
        raise InputError(f"no such file: {path}")
    run = {}
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            columns = line.split()
            if not columns:
                continue
            if len(columns) != 6:
                raise InputError(f"{path}:{number}: a run line has 6 columns (query Q0 doc rank score tag), got {len(columns)}")
            try:
                score = float(columns[4])
            except ValueError:
                raise InputError(f"{path}:{number}: score is not a number: {columns[4]!r}") from None
            if not math.isfinite(score):
                raise InputError(f"{path}:{number}: score is not finite: {columns[4]!r}")
            run.setdefault(columns[0], {})[columns[2]] = score
    if not run:
        raise InputError(f"{path}: no run lines")
    return run


def read_qrels(path):
    """{query: {doc: grade}} of TREC qrels (query 0 doc grade) or a BEIR qrels TSV (with its header)."""
    if not os.path.isfile(path):
        raise InputError(f"no such file: {path}")
    judgments = {}
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            columns = line.split()
            if not columns or (number == 1 and columns[0] == "query-id"):
                continue
            if len(columns) == 4:
                query, doc, grade = columns[0], columns[2], columns[3]
            elif len(columns) == 3:
                query, doc, grade = columns
            else:
                raise InputError(f"{path}:{number}: expected query 0 doc grade (TREC) or query doc grade (BEIR)")
            try:
                judgments.setdefault(query, {})[doc] = int(grade)
            except ValueError:
                raise InputError(f"{path}:{number}: grade is not an integer: {grade!r}") from None
    return judgments


def find_runs(directory):
    """The first-stage and model-alone runs the relevance evaluation wrote into a directory."""
    first = os.path.join(directory, FIRST_STAGE_RUN)
    reranked = sorted(glob.glob(os.path.join(directory, RERANKED_RUN)))
    if not os.path.isfile(first) or len(reranked) != 1:
        raise InputError(f"{directory}: expected {FIRST_STAGE_RUN} and one {RERANKED_RUN} (scripts/eval.sh writes them)")
    return first, reranked[0]


class Split:
    """Each judged query's window: first-stage and model scores of its top hits, and the rest in first-stage order."""

    def __init__(self, first_stage, reranked, judgments, window):
        self.queries = []
        for query in first_stage:
            if query not in judgments:
                continue
            ranked = ranking(first_stage[query])
            top, below = ranked[:window], ranked[window:]
            missing = [doc for doc in top if doc not in reranked.get(query, {})]
            if missing:
                raise InputError(f"query {query}: the reranked run has no score for {len(missing)} of the first "
                                 f"{len(top)} first-stage hits (e.g. {missing[0]}); is --window larger than its window?")
            self.queries.append((
                top,
                np.array([first_stage[query][doc] for doc in top]),
                np.array([reranked[query][doc] for doc in top]),
                below,
                judgments[query],
            ))
        if not self.queries:
            raise InputError("the judgments name none of the first-stage run's queries")

    def ndcg(self, blend):
        """Mean nDCG@10 of a blend (a cross-encoder.json-style dict, or None for the first stage alone)."""
        total = 0.0
        for docs, first, model, below, judged in self.queries:
            scores = first if blend is None else combine(blend, first, model)
            # Below the window, first-stage order after every reranked hit, as the plugin shifts their scores.
            order = ranking(dict(zip(docs, scores.tolist()))) + below
            total += ndcg10(order, judged)
        return total / len(self.queries)


def ranking(scores):
    """Documents by score descending, ties by document id descending, as trec_eval sorts a run."""
    return [doc for doc, _ in sorted(scores.items(), key=lambda item: (item[1], item[0]), reverse=True)]


def normalize(name, scores):
    if name == "min_max":
        low, high = scores.min(), scores.max()
        return (scores - low) / (high - low) if high > low else np.ones_like(scores)
    order = np.argsort(-scores, kind="stable")  # equal scores keep their list order, as in the plugin
    normalized = np.empty_like(scores, dtype=np.float64)
    normalized[order] = 1.0 / (RANK_CONSTANT + np.arange(1, len(scores) + 1))
    return normalized


def combine(blend, first, model):
    if blend["score_mode"] == "replace":
        return model
    weight = blend["weight"]
    return weight * normalize(blend["normalization"], model) + (1 - weight) * normalize(blend["normalization"], first)


def ndcg10(order, judged):
    dcg = sum(judged.get(doc, 0) / math.log2(rank + 2) for rank, doc in enumerate(order[:10]))
    ideal = sorted((grade for grade in judged.values() if grade > 0), reverse=True)[:10]
    best = sum(grade / math.log2(rank + 2) for rank, grade in enumerate(ideal))
    return dcg / best if best > 0 else 0.0


def candidates(weights):
    yield {"score_mode": "replace"}
    for normalization in NORMALIZATIONS:
        for weight in weights:
            yield {"score_mode": "interpolate", "normalization": normalization, "weight": weight}


def describe(blend):
    if blend is None:
        return "first stage alone"
    if blend["score_mode"] == "replace":
        return "replace"
    return f"interpolate {blend['normalization']} {blend['weight']:g}"


def print_table(rows, queries, markdown, chosen=None):
    if markdown:
        print(f"| blend | nDCG@10 ({queries} queries) |")
        print("|---|---|")
        for label, value in rows:
            mark = " **chosen**" if label == chosen else ""
            print(f"| {label}{mark} | {value:.4f} |")
    else:
        width = max(len(label) for label, _ in rows)
        print(f"{'blend':<{width}}  nDCG@10 ({queries} queries)")
        for label, value in rows:
            print(f"{label:<{width}}  {value:.4f}{'  <- chosen' if label == chosen else ''}")




def model_blend(config):
    """The default blend a cross-encoder.json sets, as the plugin reads it (what it leaves out is the plugin's)."""
    given = {key: config[key] for key in ("score_mode", "normalization", "weight") if key in config}
    if not given:
        return None
    mode = given.get("score_mode", "interpolate")
    if mode == "replace":
        return {"score_mode": "replace"}
    return {**PLUGIN_DEFAULT, **given, "score_mode": mode}




def load_split(options):
    first, reranked = find_runs(options.runs) if options.runs else (options.first_stage, options.reranked)
    return Split(read_run(first), read_run(reranked), read_qrels(options.qrels), options.window)


def command_fit(options):
    if not os.path.isdir(options.model_dir):
        raise InputError(f"no such model directory: {options.model_dir}")
    split = load_split(options)
    rows = [(describe(None), split.ndcg(None))]
    best = None
    for blend in candidates(options.weights):
        value = split.ndcg(blend)
        rows.append((describe(blend), value))
        if best is None or value > best[1]:
            best = (blend, value)
    print_table(rows, len(split.queries), options.markdown, chosen=describe(best[0]))

    def set_blend(config):
        for key in ("score_mode", "normalization", "weight"):
            config.pop(key, None)
        config.update(best[0])

    path = update_config(options.model_dir, options.output_dir, set_blend)
    print(f"chose {describe(best[0])} (nDCG@10 {best[1]:.4f} on {len(split.queries)} queries), written to {path}")


def command_evaluate(options):
    split = load_split(options)
    rows = [
        (describe(None), split.ndcg(None)),
        ("replace", split.ndcg({"score_mode": "replace"})),
        ("plugin default: " + describe(PLUGIN_DEFAULT), split.ndcg(PLUGIN_DEFAULT)),
    ]
    if options.model_dir:
        blend = model_blend(read_config(options.model_dir))
        if blend is None:
            raise InputError(f"{os.path.join(options.model_dir, CONFIG)} sets no default blend")
        rows.append(("model default: " + describe(blend), split.ndcg(blend)))
    print_table(rows, len(split.queries), options.markdown)


def weights(text):
    try:
        values = [float(value) for value in text.split(",") if value.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of numbers: {text!r}") from None
    if not values or any(not 0 <= value <= 1 for value in values):
        raise argparse.ArgumentTypeError(f"weights lie between 0 and 1: {text!r}")
    return values


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="fit-blend.py", description="the default blend of a cross-encoder with the first stage, by nDCG@10"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text in (("fit", "choose the blend and write it into cross-encoder.json"),
                       ("evaluate", "nDCG@10 of the first stage, replace, the plugin's and the model's default blend")):
        command = commands.add_parser(name, help=text)
        command.add_argument("files", nargs="*", metavar="FILE",
                             help="FIRST_STAGE.run RERANKED.run QRELS, or QRELS alone with --runs")
        command.add_argument("--runs", help="a directory of the relevance evaluation's runs (target/eval/DATASET-SPLIT/MODEL)")
        command.add_argument("--window", type=int, default=100, help="hits of each query the model reranked (100)")
        command.add_argument("--markdown", action="store_true", help="print a markdown table")
        if name == "fit":
            command.add_argument("--model-dir", required=True, help="the model directory whose cross-encoder.json to update")
            command.add_argument("--output-dir", help="copy the model directory here first and write the copy")
            command.add_argument("--weights", type=weights, default=DEFAULT_WEIGHTS,
                                 help="interpolate weights to try (default 0,0.1,...,1)")
        else:
            command.add_argument("--model-dir", help="also evaluate this model's default blend")
    options = parser.parse_args(argv)
    expected = 1 if options.runs else 3
    if len(options.files) != expected:
        parser.error("give FIRST_STAGE.run RERANKED.run QRELS, or --runs DIR QRELS")
    if options.window < 1:
        parser.error("--window must be at least 1")
    options.first_stage, options.reranked = (None, None) if options.runs else options.files[:2]
    options.qrels = options.files[-1]
    try:
        (command_fit if options.command == "fit" else command_evaluate)(options)
    except (InputError, OSError) as e:
        print(f"fit-blend.py: error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
