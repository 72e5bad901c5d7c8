#!/usr/bin/env python3
"""Checks of models/fit-blend.py on synthetic runs whose best blend is known: the model alone, the first stage alone,
and a blend of both each win where they should; the chosen blend is written as the plugin reads it, the model
directory's other settings kept; nDCG@10 and the normalizations match hand-computed values; bad input fails in one
line with exit code 2.

    python3 models/test_fit_blend.py
"""
import importlib.util
import json
import os
import stat
import subprocess
import sys
import tempfile
import unittest

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "fit-blend.py")
spec = importlib.util.spec_from_file_location("fit_blend", SCRIPT)
fit_blend = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fit_blend)

QUERIES = 20
DOCS = 10


def write_run(path, scores):
    """A TREC run of {query: {doc: score}}, each query's documents by rank."""
    with open(path, "w", encoding="utf-8") as file:
        for query, docs in scores.items():
            for rank, doc in enumerate(fit_blend.ranking(docs), start=1):
                file.write(f"{query} Q0 {doc} {rank} {docs[doc]:.6f} test\n")


def scores_with(rank):
    others = [f"d{i}" for i in range(1, DOCS)]
    order = others[:rank] + ["d0"] + others[rank:]
    return {doc: float(30 - 3 * position) for position, doc in enumerate(order)}


def run(*arguments):
    return subprocess.run([sys.executable, SCRIPT, *arguments], capture_output=True, text=True)


class FitBlendTest(unittest.TestCase):
    def setUp(self):
        self.directory = tempfile.TemporaryDirectory()
        self.tmp = self.directory.name

    def tearDown(self):
        for root, directories, _ in os.walk(self.tmp):
            for name in directories:
                os.chmod(os.path.join(root, name), 0o755)
        self.directory.cleanup()

    def model_dir(self, read_only=False, config='{"max_length": 512, "output": "logit"}'):
        model = os.path.join(self.tmp, "model")
        os.makedirs(model)
        with open(os.path.join(model, "model.onnx"), "wb") as file:
            file.write(b"weights")
        with open(os.path.join(model, "cross-encoder.json"), "w", encoding="utf-8") as file:
            file.write(config)
        if read_only:
            for name in os.listdir(model):
                os.chmod(os.path.join(model, name), stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
            os.chmod(model, 0o555)
        return model

    def runs(self, first_rank, model_rank, qrels_form="beir", first_scores=None, model_scores=None):
        """The run files and judgments (d0 relevant, grade 1) in a directory as the relevance evaluation leaves them:
        d0 at these 0-based ranks of each list, or each query's scores as given."""
        first, model = {}, {}
        for q in range(QUERIES):
            first[f"q{q}"] = first_scores or scores_with(first_rank)
            model[f"q{q}"] = model_scores or {doc: score / 10 - 2 for doc, score in scores_with(model_rank).items()}
        directory = os.path.join(self.tmp, "runs")
        os.makedirs(directory, exist_ok=True)
        write_run(os.path.join(directory, "bm25-multifield.run"), first)
        write_run(
            os.path.join(directory, "bm25-multifield-top-100-reranked-by-cross-encoder-m-over-title-text.run"), model)
        qrels = os.path.join(self.tmp, "qrels")
        with open(qrels, "w", encoding="utf-8") as file:
            if qrels_form == "beir":
                file.write("query-id\tcorpus-id\tscore\n")
            for q in range(QUERIES):
                file.write(f"q{q}\td0\t1\n" if qrels_form == "beir" else f"q{q} 0 d0 1\n")
        return directory, qrels

    def config(self, directory):
        with open(os.path.join(directory, "cross-encoder.json"), encoding="utf-8") as file:
            return json.load(file)

    def test_a_model_that_ranks_better_alone_gets_replace_and_the_other_settings_stay(self):
        runs, qrels = self.runs(first_rank=5, model_rank=0)
        model = self.model_dir(config='{"max_length": 512, "weight": 0.3, "normalization": "min_max"}')
        result = run("fit", "--runs", runs, qrels, "--model-dir", model)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("replace", result.stdout)
        self.assertIn("<- chosen", result.stdout)
        self.assertEqual(self.config(model), {"max_length": 512, "score_mode": "replace"})

    def test_a_model_worse_than_the_first_stage_gets_weight_zero(self):
        runs, qrels = self.runs(first_rank=0, model_rank=7)
        model = self.model_dir()
        self.assertEqual(run("fit", "--runs", runs, qrels, "--model-dir", model).returncode, 0)
        config = self.config(model)
        self.assertEqual(
            config,
            {"max_length": 512, "output": "logit", "score_mode": "interpolate", "normalization": "min_max", "weight": 0.0})

    def test_two_half_right_rankings_get_a_blend_better_than_either(self):
        # d0 is a close second in both lists, each behind a different document: only a blend puts it first.
        others = {f"d{i}": float(-i) for i in range(3, DOCS)}
        runs, qrels = self.runs(
            None, None, first_scores={"d1": 10.0, "d0": 9.5, "d2": 5.0, **others},
            model_scores={"d2": 4.0, "d0": 3.5, "d1": -1.0, **others})
        first = fit_blend.read_run(os.path.join(runs, "bm25-multifield.run"))
        model = fit_blend.read_run(fit_blend.find_runs(runs)[1])
        split = fit_blend.Split(first, model, fit_blend.read_qrels(qrels), 100)
        self.assertAlmostEqual(split.ndcg(None), 1 / np.log2(3))
        self.assertAlmostEqual(split.ndcg({"score_mode": "replace"}), 1 / np.log2(3))
        self.assertAlmostEqual(split.ndcg(fit_blend.PLUGIN_DEFAULT), 1.0)
        output = os.path.join(self.tmp, "blended", "model")
        source = self.model_dir(read_only=True)
        result = run("fit", "--runs", runs, qrels, "--model-dir", source, "--output-dir", output, "--markdown")
        self.assertEqual(result.returncode, 0, result.stderr)
        config = self.config(output)
        self.assertEqual(config["score_mode"], "interpolate")
        self.assertTrue(0 < config["weight"] < 1, config)
        self.assertIn("| interpolate min_max 0.5 | 1.0000 |", result.stdout)
        self.assertNotIn("score_mode", self.config(source))
        with open(os.path.join(output, "model.onnx"), "rb") as file:
            self.assertEqual(file.read(), b"weights")

    def test_evaluate_shows_the_models_default_blend_on_another_split(self):
        runs, qrels = self.runs(first_rank=0, model_rank=7, qrels_form="trec")
        model = self.model_dir(config='{"weight": 0.2, "normalization": "reciprocal_rank"}')
        result = run("evaluate", "--runs", runs, qrels, "--model-dir", model)
        self.assertEqual(result.returncode, 0, result.stderr)
        lines = result.stdout.splitlines()
        self.assertEqual(len(lines), 5)
        self.assertIn("first stage alone", lines[1])
        self.assertTrue(lines[1].endswith("1.0000"))
        self.assertIn("model default: interpolate reciprocal_rank 0.2", lines[4])

    def test_the_normalizations_and_ndcg_by_hand(self):
        scores = np.array([3.0, 1.0, 2.0, 1.0])
        np.testing.assert_allclose(fit_blend.normalize("min_max", scores), [1.0, 0.0, 0.5, 0.0])
        np.testing.assert_allclose(fit_blend.normalize("min_max", np.array([2.0, 2.0])), [1.0, 1.0])
        # Equal scores keep their list order: the second 1.0 ranks after the first.
        np.testing.assert_allclose(fit_blend.normalize("reciprocal_rank", scores), [1 / 61, 1 / 63, 1 / 62, 1 / 64])
        judged = {"a": 2, "b": 1, "z": 0}
        expected = (1 / np.log2(3) + 2 / np.log2(4)) / (2 + 1 / np.log2(3))
        self.assertAlmostEqual(fit_blend.ndcg10(["x", "b", "a"], judged), expected)
        self.assertEqual(fit_blend.ndcg10(["a"], {"a": 0}), 0.0)
        # trec_eval's order: score descending, ties by document id descending.
        self.assertEqual(fit_blend.ranking({"a": 1.0, "c": 1.0, "b": 2.0}), ["b", "c", "a"])

    def assertFailsInOneLine(self, result, text):
        self.assertEqual(result.returncode, 2, result.stdout + result.stderr)
        self.assertEqual(len(result.stderr.strip().splitlines()), 1, result.stderr)
        self.assertIn(text, result.stderr)

    def test_bad_input_fails_clearly(self):
        runs, qrels = self.runs(first_rank=0, model_rank=0)
        model = self.model_dir()
        first = os.path.join(runs, "bm25-multifield.run")
        reranked = fit_blend.find_runs(runs)[1]
        bad = os.path.join(self.tmp, "bad.run")
        cases = {
            "q0 Q0 d0 1 0.5\n": "6 columns",
            "q0 Q0 d0 1 x test\n": "not a number",
            "q0 Q0 d0 1 nan test\n": "not finite",
            "": "no run lines",
        }
        for content, text in cases.items():
            with open(bad, "w", encoding="utf-8") as file:
                file.write(content)
            with self.subTest(text=text):
                self.assertFailsInOneLine(run("fit", bad, reranked, qrels, "--model-dir", model), text)
                self.assertFailsInOneLine(run("evaluate", first, bad, qrels), text)
        short = os.path.join(self.tmp, "short.run")
        write_run(short, {q: dict(list(docs.items())[:5]) for q, docs in fit_blend.read_run(reranked).items()})
        self.assertFailsInOneLine(run("evaluate", first, short, qrels), "the reranked run has no score")
        self.assertEqual(run("evaluate", first, short, qrels, "--window", "5").returncode, 0)
        other = os.path.join(self.tmp, "other-qrels")
        with open(other, "w", encoding="utf-8") as file:
            file.write("x 0 d0 1\n")
        self.assertFailsInOneLine(run("evaluate", first, reranked, other), "name none of the first-stage run's queries")
        self.assertFailsInOneLine(run("evaluate", "--runs", self.tmp, qrels), "expected bm25-multifield.run")
        self.assertFailsInOneLine(run("evaluate", "--runs", runs, qrels, "--model-dir", model), "sets no default blend")
        self.assertFailsInOneLine(
            run("fit", "--runs", runs, qrels, "--model-dir", os.path.join(self.tmp, "nope")), "no such model directory")
        self.assertFailsInOneLine(run("evaluate", first, reranked, os.path.join(self.tmp, "missing")), "no such file")
        self.assertEqual(run("fit", "--runs", runs, qrels, "--model-dir", model, "--weights", "0.5,2").returncode, 2)


if __name__ == "__main__":
    unittest.main()
