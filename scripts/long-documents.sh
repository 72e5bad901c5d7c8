#!/usr/bin/env bash
# Truncation against passage_windows on SciFact and NFCorpus with the trained model: truncated at 128 tokens vs
# windows of 128 (max), truncated at 512 vs windows of 256 sharing 128. Prints the table and writes it into
# docs/benchmarks/results/.
#
#   scripts/long-documents.sh [extra Maven options, e.g. -Deval.queries=100 -Deval.datasets=scifact]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/java-home.sh
exec mvn -B -Peval verify -Deval.main=org.crossencoder.opensearch.eval.LongDocumentBenchmark \
    -Deval.model=minilm-l6-sci-cross-encoder "$@"
