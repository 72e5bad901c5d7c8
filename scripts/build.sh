#!/usr/bin/env bash
# Builds the plugin zip for one OpenSearch version and prints its path (cross-encoder-<plugin version>-os<version>.zip).
#
#   scripts/build.sh VERSION [--tests] [Maven options]
#
# VERSION: any 2.19.x or 3.x (OpenSearch installs a plugin built for its exact version only). --tests runs the unit tests
# against that version first. Each version builds in target/opensearch-VERSION/, so versions build side by side.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/java-home.sh
source scripts/opensearch-version.sh
version="${1:?usage: scripts/build.sh VERSION [--tests] [Maven options]}"
shift
tests=-DskipTests
if [[ "${1:-}" == --tests ]]; then
    tests=-DskipTests=false
    shift
fi
mapfile -t args < <(opensearch_build_args "$version")
(( ${#args[@]} )) || exit 1
# Only up to package: the integration phases need the version's distribution, which Maven Central lacks for some (3.9.0).
mvn -B -q "${args[@]}" "$tests" "$@" package >&2
zips=("$(opensearch_build_dir "$version")"/cross-encoder-*-os"$version".zip)
[[ -f "${zips[0]}" ]] || { echo "the build made no zip for OpenSearch $version" >&2; exit 1; }
ls -t "${zips[@]}" | head -1
