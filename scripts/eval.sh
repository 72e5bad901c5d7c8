#!/usr/bin/env bash
# Relevance evaluation on a real node: BM25 and BM25 + cross_encoder rerank of the top 100, with
# nDCG@10, MRR@10 and Recall@100; writes its table into docs/benchmarks/results/ and per-query results to target/eval/.
#
#   scripts/eval.sh DATASET [MODEL] [extra Maven options, e.g. -Deval.queries=20]
#
# DATASET: a folder of ../shared/datasets (scifact, nfcorpus, trec-dl-2019-passage-subset).
# MODEL: a model folder name in ../shared/models, or a path to any model directory (default minilm-l6-sci-cross-encoder, the trained one).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/java-home.sh
dataset="${1:?usage: scripts/eval.sh DATASET [MODEL]}"
model="${2:-minilm-l6-sci-cross-encoder}"
shift $(( $# > 1 ? 2 : 1 ))
exec mvn -B -Peval verify -Deval.dataset="$dataset" -Deval.model="$model" "$@"
