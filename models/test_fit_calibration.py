#!/usr/bin/env python3
"""Checks of models/fit-calibration.py on synthetic pairs: the fit recovers the logistic model that made the labels,
the model directory's other settings survive, and bad input fails in one line with exit code 2.

    python3 models/test_fit_calibration.py
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
SCRIPT = os.path.join(HERE, "fit-calibration.py")
spec = importlib.util.spec_from_file_location("fit_calibration", SCRIPT)
fit_calibration = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fit_calibration)

TRUE_SCALE, TRUE_BIAS = 1.7, -2.3


def write_pairs(path, labels, logits):
    with open(path, "w", encoding="utf-8") as file:
        file.write("query_id\tdoc_id\tlabel\tlogit\n")
        for i, (label, logit) in enumerate(zip(labels, logits)):
            file.write(f"q{i // 100}\td{i}\t{int(label)}\t{float(logit)!r}\n")


def synthetic(n=20000, seed=7):
    """Logits of a model whose true relevance probability is sigmoid(1.7 * logit - 2.3), and labels drawn from it."""
    random = np.random.default_rng(seed)
    logits = random.normal(0.5, 2.0, n)
    labels = (random.random(n) < 1 / (1 + np.exp(-(TRUE_SCALE * logits + TRUE_BIAS)))).astype(float)
    return labels, logits


def run(*arguments):
    return subprocess.run([sys.executable, SCRIPT, *arguments], capture_output=True, text=True)


class FitCalibrationTest(unittest.TestCase):
    def setUp(self):
        self.directory = tempfile.TemporaryDirectory()
        self.tmp = self.directory.name

    def tearDown(self):
        for root, directories, _ in os.walk(self.tmp):
            for name in directories:
                os.chmod(os.path.join(root, name), 0o755)
        self.directory.cleanup()

    def model_dir(self, read_only=False):
        model = os.path.join(self.tmp, "model")
        os.makedirs(model)
        with open(os.path.join(model, "model.onnx"), "wb") as file:
            file.write(b"weights")
        with open(os.path.join(model, "cross-encoder.json"), "w", encoding="utf-8") as file:
            file.write('{"max_length": 512, "output": "logit"}')
        if read_only:
            for name in os.listdir(model):
                os.chmod(os.path.join(model, name), stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
            os.chmod(model, 0o555)
        return model

    def test_fit_recovers_the_logistic_model(self):
        labels, logits = synthetic()
        scale, bias = fit_calibration.fit_platt(labels, logits)
        self.assertAlmostEqual(scale, TRUE_SCALE, delta=0.1)
        self.assertAlmostEqual(bias, TRUE_BIAS, delta=0.1)

    def test_fit_is_the_minimum_of_the_smoothed_log_loss(self):
        labels, logits = synthetic(n=2000, seed=3)
        scale, bias = fit_calibration.fit_platt(labels, logits)
        positives = labels.sum()
        targets = np.where(labels == 1, (positives + 1) / (positives + 2), 1 / (len(labels) - positives + 2))
        p = 1 / (1 + np.exp(-(scale * logits + bias)))
        self.assertLess(abs(np.sum((p - targets) * logits)), 1e-4)
        self.assertLess(abs(np.sum(p - targets)), 1e-4)

    def test_separable_pairs_still_have_a_finite_fit(self):
        logits = np.array([-3.0, -2.0, -1.0, 1.0, 2.0, 3.0])
        labels = np.array([0.0, 0.0, 0.0, 1.0, 1.0, 1.0])
        scale, bias = fit_calibration.fit_platt(labels, logits)
        self.assertTrue(np.isfinite(scale) and 0 < scale < 10)
        self.assertAlmostEqual(bias, 0.0, places=6)

    def test_fit_writes_a_copy_keeping_the_other_settings(self):
        labels, logits = synthetic()
        pairs = os.path.join(self.tmp, "scifact-dev-model.tsv")
        write_pairs(pairs, labels, logits)
        model = self.model_dir(read_only=True)
        output = os.path.join(self.tmp, "calibrated", "model")
        result = run("fit", pairs, "--model-dir", model, "--output-dir", output, "--fitted-on", "scifact dev")
        self.assertEqual(result.returncode, 0, result.stderr)
        with open(os.path.join(output, "cross-encoder.json"), encoding="utf-8") as file:
            config = json.load(file)
        self.assertEqual(config["max_length"], 512)
        self.assertEqual(config["output"], "logit")
        self.assertEqual(config["calibration"]["fitted_on"], "scifact dev")
        self.assertAlmostEqual(config["calibration"]["scale"], TRUE_SCALE, delta=0.1)
        self.assertAlmostEqual(config["calibration"]["bias"], TRUE_BIAS, delta=0.1)
        self.assertLessEqual(len(repr(config["calibration"]["scale"]).strip("-").replace(".", "")), 7)
        with open(os.path.join(output, "model.onnx"), "rb") as file:
            self.assertEqual(file.read(), b"weights")
        with open(os.path.join(model, "cross-encoder.json"), encoding="utf-8") as file:
            self.assertNotIn("calibration", json.load(file))
        # A second fit overwrites the copy it made.
        self.assertEqual(run("fit", pairs, "--model-dir", model, "--output-dir", output).returncode, 0)

    def test_fit_creates_a_missing_config(self):
        labels, logits = synthetic(n=500)
        pairs = os.path.join(self.tmp, "pairs.tsv")
        write_pairs(pairs, labels, logits)
        model = self.model_dir()
        os.remove(os.path.join(model, "cross-encoder.json"))
        self.assertEqual(run("fit", pairs, "--model-dir", model).returncode, 0)
        with open(os.path.join(model, "cross-encoder.json"), encoding="utf-8") as file:
            self.assertEqual(list(json.load(file)), ["calibration"])

    def test_evaluate_shows_the_calibrated_probability_better(self):
        labels, logits = synthetic()
        pairs = os.path.join(self.tmp, "pairs.tsv")
        write_pairs(pairs, labels, logits)
        result = run("evaluate", pairs, "--scale", str(TRUE_SCALE), "--bias", str(TRUE_BIAS), "--markdown")
        self.assertEqual(result.returncode, 0, result.stderr)
        lines = result.stdout.splitlines()
        self.assertEqual(len(lines), 4)
        uncalibrated = [float(x) for x in lines[2].strip("| ").split(" | ")[4:]]
        calibrated = [float(x) for x in lines[3].strip("| ").split(" | ")[4:]]
        for before, after in zip(uncalibrated, calibrated):
            self.assertLess(after, before)
        self.assertLess(calibrated[0], 0.03)  # ECE of the true probabilities: sampling noise only

    def test_metrics_by_hand(self):
        labels = np.array([1.0, 0.0, 1.0, 0.0])
        probabilities = np.array([0.9, 0.9, 0.1, 0.0])
        ece, log_loss, brier = fit_calibration.metrics(labels, probabilities)
        # Bins: {0.9, 0.9} -> |0.5 - 0.9|, {0.1, 0.0} (0.1 * 15 = 1.5 -> bin 1; 0.0 -> bin 0).
        self.assertAlmostEqual(ece, 0.5 * 0.4 + 0.25 * 0.9 + 0.25 * 0.0)
        expected = -(np.log(0.9) + np.log(0.1) + np.log(0.1) + np.log(1 - 1e-7)) / 4
        self.assertAlmostEqual(log_loss, expected)
        self.assertAlmostEqual(brier, (0.01 + 0.81 + 0.81 + 0.0) / 4)

    def assertFailsInOneLine(self, result, text):
        self.assertEqual(result.returncode, 2)
        self.assertEqual(len(result.stderr.strip().splitlines()), 1, result.stderr)
        self.assertIn(text, result.stderr)

    def test_bad_input_fails_clearly(self):
        model = self.model_dir()
        bad = os.path.join(self.tmp, "bad.tsv")
        cases = {
            "query_id\tdoc_id\tlabel\tscore\nq\td\t1\t0.5\n": "header must be",
            "query_id\tdoc_id\tlabel\tlogit\nq\td\t2\t0.5\nq\te\t0\t0.1\n": "label must be 0 or 1",
            "query_id\tdoc_id\tlabel\tlogit\nq\td\t1\tnan\nq\te\t0\t0.1\n": "not finite",
            "query_id\tdoc_id\tlabel\tlogit\nq\td\t1\tinf\nq\te\t0\t0.1\n": "not finite",
            "query_id\tdoc_id\tlabel\tlogit\nq\td\t1\tx\nq\te\t0\t0.1\n": "not a number",
            "query_id\tdoc_id\tlabel\tlogit\nq\td\t0\t0.5\nq\te\t0\t0.1\n": "both labels are needed",
            "query_id\tdoc_id\tlabel\tlogit\n": "both labels are needed",
        }
        for content, text in cases.items():
            with open(bad, "w", encoding="utf-8") as file:
                file.write(content)
            with self.subTest(text=text):
                self.assertFailsInOneLine(run("fit", bad, "--model-dir", model), text)
                self.assertFailsInOneLine(run("evaluate", bad), text)
        self.assertFailsInOneLine(run("fit", os.path.join(self.tmp, "missing.tsv"), "--model-dir", model), "no such file")
        self.assertFailsInOneLine(run("evaluate", os.path.join(self.tmp, "missing.tsv")), "no such file")


if __name__ == "__main__":
    unittest.main()
