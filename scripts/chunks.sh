#!/usr/bin/env bash
# Documents made of chunks on SciFact and NFCorpus, indexed through neural-search's text_chunking ingest processor, with
# the trained model: the whole text truncated at 512 tokens vs passage_windows of 128 vs the chunks option (best
# chunk). Prints the table and writes it into docs/benchmarks/results/.
#
#   scripts/chunks.sh [extra Maven options, e.g. -Deval.queries=100 -Deval.datasets=scifact -Deval.chunk-tokens=64]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/java-home.sh
exec mvn -B -Peval verify -Deval.main=org.crossencoder.opensearch.eval.ChunkBenchmark \
    -Deval.model=minilm-l6-sci-cross-encoder "$@"
