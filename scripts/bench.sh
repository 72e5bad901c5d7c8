#!/usr/bin/env bash
# Speed of the inference engine alone on this machine: batch sizes, threads, sorting by length, and the
# machine's peak float32 MatMul rate through ONNX Runtime. Writes its table into docs/BENCHMARKS.md.
#
#   scripts/bench.sh [extra Maven options, e.g. -Dbench.requests=20]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/java-home.sh
if ! /usr/bin/python3 -c 'import onnx' 2>/dev/null; then
    apt-get update -qq && apt-get install -y -qq python3-onnx >&2
fi
mkdir -p target/bench
/usr/bin/python3 scripts/make-matmul-model.py target/bench/matmul-1024.onnx 1024
exec mvn -B -Pbench verify "$@"
