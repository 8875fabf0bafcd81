#!/usr/bin/env bash
# Fetches the jars of the Kafka broker the integration tests run (pom.xml beside this script)
# from Maven Central into a cache, and prints the cache's libs directory on stdout:
#   ${MILLRACE_KAFKA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/millrace}/kafka-<version>/libs
# Quick when the cache is complete. The jars are copied into a temporary directory next to the
# cache and renamed into place only once Maven is done, so an interrupted fetch never leaves a
# half-filled libs/ that a later run would take for a whole one. Needs mvn and a JDK/JRE.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
pom="$here/pom.xml"

version=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$pom")
if [ -z "$version" ]; then
    echo "fetch_kafka.sh: no <kafka.version> in $pom" >&2
    exit 1
fi
cache_root=${MILLRACE_KAFKA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/millrace}
target="$cache_root/kafka-$version"
libs="$target/libs"
# The pom's hash is stored with the jars: a changed pom (another logging binding, say) under the
# same Kafka version fetches again instead of using stale jars.
pom_hash=$(sha256sum "$pom" | cut -d' ' -f1)

cache_is_complete() {
    [ -f "$libs/pom.sha256" ] && [ "$(cat "$libs/pom.sha256")" = "$pom_hash" ]
}

if cache_is_complete; then
    echo "$libs"
    exit 0
fi

if ! command -v mvn >/dev/null; then
    echo "fetch_kafka.sh: mvn not found: install Debian's maven and openjdk-17-jre-headless" \
        "(packaging/dev.sh deps)" >&2
    exit 1
fi

mkdir -p "$target"
# Leftovers of fetches killed with SIGKILL (an ordinary interruption cleans up after itself).
find "$target" -maxdepth 1 -name 'libs.*.*' -mmin +60 -exec rm -rf {} + 2>/dev/null || true
staging=$(mktemp -d "$target/libs.partial.XXXXXX")
trap 'rm -rf "$staging"' EXIT

echo "fetch_kafka.sh: fetching Kafka $version from Maven Central into $libs" >&2
# Maven's output is kept for a failure only (its colour codes stripped); stdout carries only the
# path.
mvn_log="$target/fetch.log"
if ! mvn -B -q -Dstyle.color=never -f "$pom" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$staging" >"$mvn_log" 2>&1; then
    sed 's/\x1b\[[0-9;]*m//g' "$mvn_log" >&2
    echo "fetch_kafka.sh: mvn could not fetch Kafka $version from Maven Central (see above)" >&2
    exit 1
fi
rm -f "$mvn_log"
if ! ls "$staging"/kafka_2.13-"$version".jar >/dev/null 2>&1; then
    echo "fetch_kafka.sh: mvn finished but kafka_2.13-$version.jar is missing" >&2
    exit 1
fi
echo "$pom_hash" >"$staging/pom.sha256"

# Swap the complete directory in. A stale libs/ (other pom) is moved aside first; when another
# fetch won the race, its complete copy is kept and ours is dropped.
if [ -e "$libs" ] && ! cache_is_complete; then
    stale=$(mktemp -d "$target/libs.stale.XXXXXX")
    mv "$libs" "$stale/" 2>/dev/null || true
    rm -rf "$stale"
fi
if ! mv -T "$staging" "$libs" 2>/dev/null && ! cache_is_complete; then
    echo "fetch_kafka.sh: could not move the jars into $libs" >&2
    exit 1
fi
echo "$libs"
