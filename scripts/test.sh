#!/usr/bin/env bash
# Runs every test: the calibration and blend fitting scripts', unit tests, then integration tests against a real OpenSearch
# 3.6.0 node with the built plugin zip; then the other OpenSearch versions the plugin is built for (issue 27): the smoke
# suite on real 2.19.1, 3.0.0, 3.4.0 and 3.8.0 nodes, and 3.9.0's zip with its unit tests (Maven Central has no 3.9.0
# distribution to start); then SecuredClusterIT on 2.19.1 and 3.4.0 nodes running the security plugin
# (scripts/test-security.sh). Installs what a fresh machine lacks (a JDK 21+, Maven, numpy, Debian's onnx; a JDK 17 for
# 2.19's nodes; torch, transformers, onnx and onnxruntime for models/import-model.py, in a venv of their own under target/).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/nobody-can-reach.sh
source scripts/java-home.sh
python3 -c 'import numpy' 2>/dev/null || { apt-get update -qq && apt-get install -y -qq python3-numpy >&2; }
# TrainedModelGoldenTests runs models/cls-last-layer.py with Debian's python3 and its onnx package.
/usr/bin/python3 -c 'import onnx, numpy' 2>/dev/null || { apt-get update -qq && apt-get install -y -qq python3-onnx python3-numpy >&2; }
python3 models/test_fit_calibration.py
python3 models/test_fit_blend.py
# models/import-model.py's test builds tiny random checkpoints of each family, imports them, and leaves the imported
# models in target/imported-test-models for ImportedModelsIT to load into a real node. Its packages go into a venv of
# their own, installed once (--retries 0: an index that cannot be reached is skipped at once, not retried).
import_venv=target/import-venv
"$import_venv/bin/python" -c 'import torch, transformers, onnx, onnxruntime' 2>/dev/null || {
    rm -rf "$import_venv" && python3 -m venv "$import_venv"
    "$import_venv/bin/pip" install -q --retries 0 \
        torch==2.13.0+cpu transformers==5.17.0 onnx==1.23.1 onnxruntime==1.30.0 2>&1 | grep -v '^WARNING' >&2 || true
    "$import_venv/bin/python" -c 'import torch, transformers, onnx, onnxruntime'
}
rm -rf target/imported-test-models
IMPORTED_MODELS_DIR=target/imported-test-models "$import_venv/bin/python" models/test_import_model.py
# CI sets CROSS_ENCODER_REQUIRE_SHARED=1: there a missing ../shared is an error, not 18 skipped test classes.
shared_required=false
if [[ "${CROSS_ENCODER_REQUIRE_SHARED:-0}" == 1 ]]; then
    for folder in ../shared/models ../shared/datasets; do
        [[ -d "$folder" ]] || { echo "!! CROSS_ENCODER_REQUIRE_SHARED=1 but $(realpath -m "$folder") is missing" >&2; exit 1; }
    done
    shared_required=true
fi
mvn -B verify -Dtests.shared.required="$shared_required" "$@"
start=$SECONDS
scripts/test-versions.sh 2.19.1 3.0.0 3.4.0 3.8.0
# Then on nodes running the security plugin (issue 28), reusing those versions' builds.
scripts/test-security.sh 2.19.1 3.4.0
if zip="$(scripts/build.sh 3.9.0 --tests 2> target/build-3.9.0.log)"; then
    echo "OpenSearch 3.9.0: unit tests passed, zip built: $zip (no distribution to start)"
else
    tail -60 target/build-3.9.0.log
    echo "OpenSearch 3.9.0: FAILED; see target/build-3.9.0.log"
    exit 1
fi
echo "Other OpenSearch versions took $(( (SECONDS - start) / 60 ))m$(( (SECONDS - start) % 60 ))s"
