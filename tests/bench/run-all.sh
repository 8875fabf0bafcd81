#!/usr/bin/env bash
# Runs every benchmark: the executables in BENCH_DIR and the bench_*.sh scripts beside this file
# (which get MILLRACE_BIN and MILLRACE_BUILD_DIR). Each prints BENCH lines.
set -euo pipefail
bench_dir=${1:?usage: run-all.sh BENCH_DIR}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
status=0
for bench in "$bench_dir"/bench_* "$here"/bench_*.sh; do
    [ -x "$bench" ] || continue
    echo "== $(basename "$bench")"
    "$bench" || status=1
done
exit $status
