#!/usr/bin/env bash
# Speed of the inference engine alone on this machine: batch sizes, threads, sorting by length, the int8
# variant (models/quantize-int8.py) and how its order agrees with float, and the machine's peak float32
# MatMul rate through ONNX Runtime. Writes its table into docs/benchmarks/results/.
#
#   scripts/bench.sh [extra Maven options, e.g. -Dbench.requests=20]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/java-home.sh
if ! /usr/bin/python3 -c 'import onnx, numpy' 2>/dev/null; then
    apt-get update -qq && apt-get install -y -qq python3-onnx python3-numpy >&2
fi
mkdir -p target/bench
/usr/bin/python3 scripts/make-matmul-model.py target/bench/matmul-1024.onnx 1024
/usr/bin/python3 models/quantize-int8.py ../shared/models/minilm-l6-shape-random target/bench/models/minilm-l6-shape-random-int8
exec mvn -B -Pbench verify "$@"
