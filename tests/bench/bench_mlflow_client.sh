#!/usr/bin/env bash
# The mlflow client's log-batch into Millrace vs into a real `mlflow server` (SQLite backend) on
# this machine, in one run; prints both and their ratios as BENCH lines. Needs MILLRACE_BIN and
# MILLRACE_BUILD_DIR (set by the bench target).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mlflow_dir="$here/../integration/mlflow"
build_dir=${MILLRACE_BUILD_DIR:?}
millrace=${MILLRACE_BIN:?}
venv="$build_dir/mlflow-venv"
work=$(mktemp -d)
"$mlflow_dir/make_venv.sh" "$venv"

free_port() { "$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

"$millrace" --headless --tracking-port 0 --workspace "$work/millrace" >"$work/millrace.log" 2>&1 &
millrace_pid=$!
ref_port=$(free_port)
cleanup() {
    kill -TERM "$millrace_pid" 2>/dev/null || true
    "$mlflow_dir/stop_reference_server.sh" "$work/ref" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
"$mlflow_dir/run_reference_server.sh" "$venv" "$work/ref" "$ref_port" >/dev/null
uri=""
for _ in $(seq 1 300); do
    uri=$(grep -o 'tracking API on http://127.0.0.1:[0-9]*' "$work/millrace.log" | head -n 1 | sed 's/tracking API on //') || true
    [ -n "$uri" ] && break
    sleep 0.1
done
[ -n "$uri" ] || { cat "$work/millrace.log"; exit 1; }

"$venv/bin/python" "$here/mlflow/logbatch_bench.py" --uri "$uri" --label millrace | tee "$work/millrace.bench"
"$venv/bin/python" "$here/mlflow/logbatch_bench.py" --uri "http://127.0.0.1:$ref_port" --label mlflow_server | tee "$work/mlflow.bench"

value() { awk -v name="$1" '$2 == name {print $3}' "$work"/*.bench; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", a / b}'; }
echo "BENCH mlflow_client_log_batch_millrace_vs_mlflow_server $(ratio "$(value mlflow_client_log_batch_millrace)" "$(value mlflow_client_log_batch_mlflow_server)") x"
echo "BENCH server_log_batch_millrace_vs_mlflow_server $(ratio "$(value server_log_batch_mlflow_server_ms)" "$(value server_log_batch_millrace_ms)") x"
