# Sourced by the scripts: points JAVA_HOME at a JDK 21+ (OpenSearch 3.x needs it), installing one if there is none.
java_major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'; }

find_jdk() {
    local candidate
    for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*; do
        if [[ -n "$candidate" && -x "$candidate/bin/javac" ]] && (( $(java_major "$candidate") >= 21 )); then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

if ! JAVA_HOME="$(find_jdk)"; then
    echo "no JDK 21+ found; installing one with apt-get" >&2
    apt-get update -qq && (apt-get install -y -qq openjdk-21-jdk-headless || apt-get install -y -qq openjdk-25-jdk-headless) >&2
    JAVA_HOME="$(find_jdk)" || { echo "could not find or install a JDK 21+" >&2; exit 1; }
fi
export JAVA_HOME
command -v mvn >/dev/null || { apt-get update -qq && apt-get install -y -qq maven >&2; }
