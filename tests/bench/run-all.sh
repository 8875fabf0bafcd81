#!/usr/bin/env bash
# Runs every benchmark executable in BENCH_DIR and prints their BENCH lines.
set -euo pipefail
bench_dir=${1:?usage: run-all.sh BENCH_DIR}
status=0
for bench in "$bench_dir"/bench_*; do
    [ -x "$bench" ] || continue
    echo "== $(basename "$bench")"
    "$bench" || status=1
done
exit $status
