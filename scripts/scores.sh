#!/usr/bin/env bash
# The two trained models alone and as an ensemble (logits, probabilities) on SciFact, NFCorpus and the DL19 subset:
# writes each model's logits for the fit (dev) and test splits to target/eval/scores/ for models/fit-calibration.py,
# prints the ranking table and writes it into docs/benchmarks/results/.
#
#   scripts/scores.sh [extra Maven options, e.g. -Deval.datasets=scifact -Deval.queries=50 -Deval.fit-queries=50
#                      -Deval.rows=a,b -Deval.calibration=target/eval/calibration -Deval.report=none]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/java-home.sh
exec mvn -B -Peval verify -Deval.main=org.crossencoder.opensearch.eval.ScoreEvaluation "$@"
