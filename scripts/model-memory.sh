#!/usr/bin/env bash
# What one loaded model costs a node: the trained float model, its int8 variant (made here with
# models/quantize-int8.py, which needs Debian's python3-onnx) and the fp16-stored second model, each loaded into a
# node of its own and used; writes its table into docs/benchmarks/results/.
#
#   scripts/model-memory.sh [extra Maven options]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/java-home.sh
shared="$(cd .. && pwd)/shared/models"
int8=target/bench/models/minilm-l6-sci-cross-encoder-int8
if [ ! -f "$int8/model.onnx" ]; then
    /usr/bin/python3 models/quantize-int8.py "$shared/minilm-l6-sci-cross-encoder" "$int8"
fi
exec mvn -B -Peval verify -Deval.main=org.crossencoder.opensearch.eval.ModelMemoryBenchmark \
    -Deval.dataset=trec-dl-2019-passage-subset \
    "-Dmemory.models=$shared/minilm-l6-sci-cross-encoder,$(pwd)/$int8,$shared/minilm-l6-nf-cross-encoder-fp16" "$@"
