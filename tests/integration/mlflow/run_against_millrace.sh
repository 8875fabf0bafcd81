#!/usr/bin/env bash
# run_against_millrace.sh BUILD_DIR MILLRACE_BIN
#
# The ctest entry point: starts `millrace --headless` on a fresh workspace with the tracking API
# on a free 127.0.0.1 port, runs acceptance.sh (the real mlflow client, tracking and model
# registry, against a real `mlflow server` and against Millrace, answers compared), stops
# Millrace with SIGTERM, then checks with check_store.py that Millrace's database holds exactly
# what was logged and registered, and that the registered versions' files were copied.
set -euo pipefail
build_dir=${1:?usage: run_against_millrace.sh BUILD_DIR MILLRACE_BIN}
millrace=${2:?usage: run_against_millrace.sh BUILD_DIR MILLRACE_BIN}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work="$build_dir/mlflow-acceptance"
venv="$build_dir/mlflow-venv"
rm -rf "$work"
mkdir -p "$work"

"$here/make_venv.sh" "$venv"

log="$work/millrace.log"
"$millrace" --headless --tracking-port 0 --workspace "$work/workspace" >"$log" 2>&1 &
pid=$!
stop_millrace() {
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid"
        wait "$pid" || true
    fi
}
trap stop_millrace EXIT

uri=""
for _ in $(seq 1 300); do
    uri=$(grep -o 'tracking API on http://127.0.0.1:[0-9]*' "$log" | head -n 1 | sed 's/tracking API on //') || true
    [ -n "$uri" ] && break
    kill -0 "$pid" 2>/dev/null || { echo "millrace exited early:"; cat "$log"; exit 1; }
    sleep 0.1
done
[ -n "$uri" ] || { echo "millrace did not start its tracking API:"; cat "$log"; exit 1; }
echo "Millrace's tracking API: $uri"

status=0
"$here/acceptance.sh" "$venv" "$work/acceptance" "$uri" || status=$?
stop_millrace
trap - EXIT
if [ "$status" -ne 0 ]; then
    echo "--- millrace log (tail)"
    tail -n 40 "$log"
    exit "$status"
fi
"$venv/bin/python" "$here/check_store.py" "$work/acceptance/candidate.json" "$work/workspace" \
    "$work/acceptance/candidate-registry.json"
