# Sourced by build.sh and test-versions.sh: what Maven needs to build the plugin for one OpenSearch version.
#   opensearch_build_args VERSION   prints the Maven options, one a line
#   opensearch_build_dir VERSION    prints the build directory of that version

# The line of versions whose API the build compiles against (the pom's profiles; src/compat/ holds each line's adapters).
opensearch_compat() {
    case "$1" in
        2.19.*) echo os2.19 ;;
        3.0.* | 3.1.*) echo os3.0 ;;
        3.2.* | 3.3.*) echo os3.2 ;;
        3.[4-9].* | 3.[1-9][0-9].*) echo os3.4 ;;
        *) echo "OpenSearch $1 is not one the plugin builds for (2.19.x, 3.x)" >&2; return 1 ;;
    esac
}

opensearch_build_dir() {
    echo "$PWD/target/opensearch-$1"
}

# The log4j-api version OpenSearch's pom names: the unit tests need log4j-core at exactly that version.
opensearch_log4j_version() {
    local pom
    pom="$(opensearch_build_dir "$1")/opensearch-$1.pom"
    if [[ ! -f "$pom" ]]; then
        mvn -B -q dependency:copy -Dartifact="org.opensearch:opensearch:$1:pom" -DoutputDirectory="$(dirname "$pom")" \
            > /dev/null 2>&1 || { echo "Maven Central has no OpenSearch $1" >&2; return 1; }
    fi
    grep -A1 '<artifactId>log4j-api</artifactId>' "$pom" | sed -n 's:.*<version>\(.*\)</version>.*:\1:p'
}

opensearch_build_args() {
    local compat log4j
    compat="$(opensearch_compat "$1")" && log4j="$(opensearch_log4j_version "$1")" || return 1
    printf '%s\n' "-Dopensearch.version=$1" "-Dopensearch.compat=$compat" "-Dlog4j.version=$log4j" \
        "-Dbuild.dir=$(opensearch_build_dir "$1")"
}
