#!/usr/bin/env bash
# Memory over many reranked searches on a real node (score cache off, so every search runs the model):
# samples the node's resident memory and heap; writes its table into docs/benchmarks/results/.
#
#   scripts/soak.sh [extra Maven options, e.g. -Dsoak.searches=2000 -Dsoak.window=10 -Deval.model=NAME]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/java-home.sh
exec mvn -B -Peval verify -Deval.main=org.crossencoder.opensearch.eval.MemorySoak -Deval.dataset=trec-dl-2019-passage-subset "$@"
