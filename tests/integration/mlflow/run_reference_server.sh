#!/usr/bin/env bash
# run_reference_server.sh VENV_DIR WORKDIR PORT
#
# Starts a real `mlflow server` (the reference implementation) in the background:
#   backend store    sqlite:///WORKDIR/mlflow.db
#   artifacts        served by the server (--serve-artifacts), stored in WORKDIR/mlartifacts
#   address          http://127.0.0.1:PORT  (loopback only)
# Waits until GET /health answers, then prints the server's PID on stdout and exits 0.
# The server runs in its own process group (PGID = PID); the PID is also written to
# WORKDIR/server.pid and the log to WORKDIR/server.log.
# Stop it with:  stop_reference_server.sh WORKDIR
#
# So a leaked server cannot hang CI, it is started under `timeout`: it ends by itself
# after MILLRACE_MLFLOW_SERVER_LIFETIME_S (default 1800 s).
# Environment:
#   MILLRACE_MLFLOW_SERVER_START_TIMEOUT_S   how long to wait for /health (default 90 s)
#   MILLRACE_MLFLOW_SERVER_LIFETIME_S        hard lifetime of the server (default 1800 s)
set -euo pipefail

die() { echo "run_reference_server.sh: error: $*" >&2; exit 1; }

[ $# -eq 3 ] || die "usage: run_reference_server.sh VENV_DIR WORKDIR PORT"
venv=$1 workdir=$2 port=$3
start_timeout=${MILLRACE_MLFLOW_SERVER_START_TIMEOUT_S:-90}
lifetime=${MILLRACE_MLFLOW_SERVER_LIFETIME_S:-1800}

[ -x "$venv/bin/mlflow" ] || die "no mlflow in $venv (run make_venv.sh $venv first)"
[[ "$port" =~ ^[0-9]+$ ]] || die "PORT must be a number, got '$port'"
mkdir -p "$workdir"
workdir=$(cd "$workdir" && pwd)
url="http://127.0.0.1:$port"

if [ -f "$workdir/server.pid" ] && kill -0 "$(cat "$workdir/server.pid")" 2>/dev/null; then
    die "a server is already running for $workdir (pid $(cat "$workdir/server.pid"))"
fi
if curl -s -o /dev/null --max-time 2 "$url/health"; then
    die "something already answers on $url"
fi

# Telemetry off (no internet here, and it is not part of the protocol); no background job
# runner (it starts a dozen huey worker processes that the tracking API does not need).
export MLFLOW_DISABLE_TELEMETRY=true DO_NOT_TRACK=true MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false

# setsid: own session and process group, so the stop script can end the whole tree
# (mlflow CLI -> uvicorn) by its group id. Standard streams are redirected so that a
# caller reading our stdout with $(...) is not kept waiting by the server.
cd "$workdir"
setsid timeout --kill-after=10 "$lifetime" \
    "$venv/bin/mlflow" server \
        --backend-store-uri "sqlite:///$workdir/mlflow.db" \
        --serve-artifacts \
        --artifacts-destination "$workdir/mlartifacts" \
        --host 127.0.0.1 --port "$port" --workers 1 \
    </dev/null >"$workdir/server.log" 2>&1 &
pid=$!
echo "$pid" >"$workdir/server.pid"

deadline=$(( $(date +%s) + start_timeout ))
until curl -s -o /dev/null --max-time 2 -f "$url/health"; do
    if ! kill -0 "$pid" 2>/dev/null; then
        tail -n 40 "$workdir/server.log" >&2
        rm -f "$workdir/server.pid"
        die "mlflow server exited during start-up (log: $workdir/server.log)"
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
        tail -n 40 "$workdir/server.log" >&2
        kill -- "-$pid" 2>/dev/null || true
        rm -f "$workdir/server.pid"
        die "mlflow server did not answer on $url/health within ${start_timeout}s"
    fi
    sleep 0.5
done
echo "$pid"
