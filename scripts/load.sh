#!/usr/bin/env bash
# Production safety under load on a real node (score cache off): a 100-hit rescore beside a 1,000-passage
# _rerank (fair sharing), then several clients of mixed requests (some cancelled, some timing out) for a
# bounded time on localhost; writes its tables into docs/benchmarks/results/.
#
#   scripts/load.sh [extra Maven options, e.g. -Dload.rounds=5 -Dload.minutes=3 -Dload.clients=4 -Deval.model=NAME]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/java-home.sh
exec mvn -B -Peval verify -Deval.main=org.crossencoder.opensearch.eval.LoadBenchmark -Deval.dataset=trec-dl-2019-passage-subset \
    -Deval.model=minilm-l6-sci-cross-encoder "$@"
