#!/usr/bin/env bash
# Runs every test: unit tests, then integration tests against a real OpenSearch 3.6.0 node with the built plugin zip.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/java-home.sh
exec mvn -B verify "$@"
