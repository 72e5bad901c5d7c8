#!/usr/bin/env bash
# What sending model work to the reranking tier costs: _rerank calls of 100 texts scored on the node they enter
# (tier.mode local) and on a node with the cross_encoder role (tier.mode tier), short passages and abstracts. Prints
# the table and writes it into docs/benchmarks/results/.
#
#   scripts/tier.sh [extra Maven options, e.g. -Deval.requests=20 -Deval.model=NAME]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/java-home.sh
exec mvn -B -Peval verify -Deval.main=org.crossencoder.opensearch.eval.TierBenchmark \
    -Deval.model=minilm-l6-sci-cross-encoder "$@"
