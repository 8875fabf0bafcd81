#!/usr/bin/env bash
# acceptance.sh VENV_DIR WORKDIR TRACKING_URI
# acceptance.sh VENV_DIR WORKDIR --self-check
#
# Runs client_scenario.py (the real mlflow client) against a fresh reference `mlflow server`
# and against TRACKING_URI (e.g. a Millrace server started by the caller, with an empty
# store), then compares the two normalized outputs with compare.py.
# --self-check uses a second fresh reference server instead of TRACKING_URI: it proves
# that the normalization hides everything that legitimately differs between two servers.
#
# Outputs in WORKDIR: reference.json, candidate.json, *.err, ref-server/ (server log).
# Exit: 0 equal; 1 different; 2 a scenario run failed; other non-zero: set-up failure.
set -euo pipefail

die() { echo "acceptance.sh: error: $*" >&2; exit 3; }
[ $# -eq 3 ] || die "usage: acceptance.sh VENV_DIR WORKDIR (TRACKING_URI | --self-check)"
venv=$1 workdir=$2 target=$3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
scenario_timeout=${MILLRACE_MLFLOW_SCENARIO_TIMEOUT_S:-300}

"$here/make_venv.sh" "$venv"
rm -rf "$workdir"
mkdir -p "$workdir"
workdir=$(cd "$workdir" && pwd)

free_port() {
    "$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
servers=()
cleanup() {
    for d in "${servers[@]}"; do "$here/stop_reference_server.sh" "$d" || true; done
}
trap cleanup EXIT

start_ref() {  # start_ref DIR -> sets $uri (no $(...): the server list must stay in this shell)
    local port
    port=$(free_port)
    servers+=("$1")
    "$here/run_reference_server.sh" "$venv" "$1" "$port" >/dev/null
    uri="http://127.0.0.1:$port"
}

run_scenario() {  # run_scenario URI NAME
    if ! timeout "$scenario_timeout" "$venv/bin/python" "$here/client_scenario.py" \
            --tracking-uri "$1" --workdir "$workdir/$2-client" \
            >"$workdir/$2.json" 2>"$workdir/$2.err"; then
        echo "acceptance.sh: scenario against $1 ($2) failed:" >&2
        grep -v '^🏃 View run\|^🧪 View experiment' "$workdir/$2.err" | tail -n 40 >&2
        exit 2
    fi
}

start_ref "$workdir/ref-server"
run_scenario "$uri" reference
"$here/stop_reference_server.sh" "$workdir/ref-server"

if [ "$target" = "--self-check" ]; then
    start_ref "$workdir/ref-server-2"
    target=$uri
fi
run_scenario "$target" candidate

"$venv/bin/python" "$here/compare.py" "$workdir/reference.json" "$workdir/candidate.json"
