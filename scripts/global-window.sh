#!/usr/bin/env bash
# The three ways to rerank on a two-node cluster (indices of 1, 2, 4 and 8 shards, window 100): the rescore clause,
# the response processor on the coordinator, and the global window scored on the data nodes. Prints the table and
# writes it into docs/benchmarks/results/.
#
#   scripts/global-window.sh [extra Maven options, e.g. -Deval.queries=20 -Deval.dataset=scifact -Deval.model=NAME]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/java-home.sh
exec mvn -B -Peval verify -Deval.main=org.crossencoder.opensearch.eval.GlobalWindowBenchmark \
    -Deval.dataset=trec-dl-2019-passage-subset -Deval.model=minilm-l6-sci-cross-encoder "$@"
