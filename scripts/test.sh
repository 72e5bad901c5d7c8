#!/usr/bin/env bash
# Runs every test: the calibration and blend fitting scripts', unit tests, then integration tests against a real OpenSearch
# 3.6.0 node with the built plugin zip. Installs what a fresh machine lacks (a JDK 21+, Maven, numpy, Debian's onnx).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/java-home.sh
python3 -c 'import numpy' 2>/dev/null || { apt-get update -qq && apt-get install -y -qq python3-numpy >&2; }
# TrainedModelGoldenTests runs models/cls-last-layer.py with Debian's python3 and its onnx package.
/usr/bin/python3 -c 'import onnx, numpy' 2>/dev/null || { apt-get update -qq && apt-get install -y -qq python3-onnx python3-numpy >&2; }
python3 models/test_fit_calibration.py
python3 models/test_fit_blend.py
exec mvn -B verify "$@"
