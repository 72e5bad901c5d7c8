#!/usr/bin/env bash
# Tests the plugin on nodes running the OpenSearch security plugin (issue 28): for each version, builds the plugin,
# installs it and that version's security plugin (from Maven Central) into the real distribution, configures security
# with the security plugin's demo configuration (TLS, users) and runs SecuredClusterIT: the permissions of
# docs/security.md, document- and field-level security and field masking on every way of reranking, the score cache,
# and, where Maven Central has ML Commons for the version (2.19.1), access to ml:<model_id> models by model group.
#
#   scripts/test-security.sh [VERSION...]      (default: 2.19.1 3.4.0, the versions Maven Central has a security zip of
#                                               that the plugin is tested on)
#
# One line per version: "Secured: N checks passed on OpenSearch <v>", or where its Maven log is. Exits non-zero if any
# failed.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/java-home.sh
source scripts/opensearch-version.sh
source scripts/security-manager-jdk.sh

versions=("$@")
if (( ${#versions[@]} == 0 )); then
    versions=(2.19.1 3.4.0)
fi

failed=0
for version in "${versions[@]}"; do
    start=$SECONDS
    dir="$(opensearch_build_dir "$version")"
    mkdir -p "$dir"
    log="$dir/test-security.log"
    args=()
    if mapfile -t args < <(opensearch_build_args "$version") && (( ${#args[@]} )); then
        if [[ "$version" == 2.* ]]; then
            args+=("-Dinteg.java.home=$(security_manager_jdk)")
        fi
        # ML Commons (and the job scheduler it needs) where Maven Central has it for this version.
        skip_ml=true
        if mvn -B -q dependency:get -Dartifact="org.opensearch.plugin:opensearch-ml-plugin:$version.0:zip" \
            -Dtransitive=false > /dev/null 2>&1; then
            skip_ml=false
        fi
        # The unit tests are test-versions.sh's; here only the secured node's suite, on the models the build writes.
        mvn -B "${args[@]}" -Psecurity -Dinteg.security.skip.ml="$skip_ml" -Dinteg.models.dir="$dir/no-shared-models" \
            -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=SecuredClusterIT verify > "$log" 2>&1
        status=$?
    else
        status=1
    fi
    took="$(( (SECONDS - start) / 60 ))m$(( (SECONDS - start) % 60 ))s"
    # failsafe's totals of the execution that ran SecuredClusterIT (the YAML suite's execution after it runs none).
    read -r run skipped <<< "$(sed -n 's/^\[[A-Z]*\] Tests run: \([0-9]*\), Failures: 0, Errors: 0, Skipped: \([0-9]*\)$/\1 \2/p' "$log" \
        | sort -n | tail -1)"
    if (( status == 0 )) && [[ -n "${run:-}" ]] && (( run > skipped )); then
        echo "Secured: $(( run - skipped )) checks passed on OpenSearch $version (in $took)"
    else
        echo "Secured: FAILED on OpenSearch $version in $took; see $log"
        failed=1
    fi
done
exit $failed
