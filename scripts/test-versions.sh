#!/usr/bin/env bash
# Builds the plugin for each OpenSearch version, installs it with bin/opensearch-plugin into that version's real
# distribution (from Maven Central) and runs the smoke suite on real nodes: VersionSmokeIT (the rescore clause, both
# search processors, the global window on two shards, _rerank, models/stats/_reload, a timeout, a cancellation),
# the YAML REST suite (CrossEncoderYamlIT: the REST API's executable documentation, every malformed request with its
# error), BadInputIT (the malformed requests YAML cannot send) and ModelsPathPermissionIT (the node enforces the
# plugin's policy: 2.19's security manager, 3.x's agent).
#
#   scripts/test-versions.sh [VERSION...]
#
# Without versions: every version Maven Central has a distribution and a test framework of (it lacks part of the test
# framework of 2.19.2, 2.19.3 and 2.19.5, so their tests cannot compile). One line per version, then
# "Versions: N of M passed (...)"; a failed version's Maven log is named on its line. Exits non-zero if any failed.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/nobody-can-reach.sh
source scripts/java-home.sh
source scripts/opensearch-version.sh
source scripts/security-manager-jdk.sh

versions=("$@")
if (( ${#versions[@]} == 0 )); then
    versions=(2.19.1 2.19.4 2.19.6 3.0.0 3.1.0 3.2.0 3.3.0 3.4.0 3.5.0 3.6.0 3.7.0 3.8.0)
fi

passed=()
failed=()
for version in "${versions[@]}"; do
    start=$SECONDS
    dir="$(opensearch_build_dir "$version")"
    mkdir -p "$dir"
    log="$dir/test-versions.log"
    args=()
    if mapfile -t args < <(opensearch_build_args "$version") && (( ${#args[@]} )); then
        if [[ "$version" == 2.* ]]; then
            args+=("-Dinteg.java.home=$(security_manager_jdk)")
        fi
        # verify: the unit tests against this version's jars, the zip, then the smoke suite on the distribution.
        # The nodes get only the models the build writes itself (no ../shared) and no plugin but ours.
        mvn -B "${args[@]}" -Dinteg.skip.extra.plugins=true -Dinteg.models.dir="$dir/no-shared-models" \
            -Dit.test=VersionSmokeIT,CrossEncoderYamlIT,BadInputIT,ModelsPathPermissionIT verify > "$log" 2>&1
        status=$?
    else
        status=1
    fi
    # Maven's totals: the unit tests' (surefire), then the integration tests' of each failsafe execution (the YAML suite
    # runs in one of its own, where the other execution counts it as one skipped test), added up.
    totals=($(sed -n 's/^\[[A-Z]*\] Tests run: \([0-9]*\), Failures: [0-9]*, Errors: [0-9]*, Skipped: \([0-9]*\)$/\1 \2/p' "$log"))
    units="${totals[0]:-}" units_skipped="${totals[1]:-}" its="" its_skipped=""
    for (( i = 2; i + 1 < ${#totals[@]}; i += 2 )); do
        its=$(( ${its:-0} + totals[i] )) its_skipped=$(( ${its_skipped:-0} + totals[i + 1] ))
    done
    took="$(( (SECONDS - start) / 60 ))m$(( (SECONDS - start) % 60 ))s"
    if (( status == 0 )); then
        passed+=("$version")
        note=""
        if grep -q "^NOTE: unpacked" "$log"; then
            note=" (plugin unpacked, not installed: this OpenSearch's opensearch-plugin needs Java 21-23 for a policy)"
        fi
        echo "OpenSearch $version: passed: ${units:-?} unit tests (${units_skipped:-?} skipped), ${its:-?} on a real node (${its_skipped:-?} skipped), in $took$note"
    else
        failed+=("$version")
        echo "OpenSearch $version: FAILED in $took; see $log"
    fi
done
echo "Versions: ${#passed[@]} of ${#versions[@]} passed (${passed[*]:-none})${failed:+; failed: ${failed[*]}}"
(( ${#failed[@]} == 0 ))
