# Sourced by test-versions.sh and test-security.sh (after java-home.sh, for java_major).
# 2.19 runs its security manager, which Java 24 removed: its nodes need a JDK from 17 (2.19's oldest with the plugin's
# build) to 23. The machine's default OpenJDK 17 serves; installed with apt-get if missing.
security_manager_jdk() {
    local candidate major
    for candidate in /usr/lib/jvm/*; do
        [[ -x "$candidate/bin/java" ]] || continue
        major="$(java_major "$candidate")"
        if (( major >= 17 && major <= 23 )); then
            echo "$candidate"
            return 0
        fi
    done
    apt-get update -qq && apt-get install -y -qq openjdk-17-jdk-headless >&2 || return 1
    security_manager_jdk
}
