#!/usr/bin/env bash
# acceptance.sh VENV_DIR WORKDIR TRACKING_URI
# acceptance.sh VENV_DIR WORKDIR --self-check
#
# Runs client_scenario.py (tracking) and then registry_scenario.py (the model registry), both
# with the real mlflow client, against a fresh reference `mlflow server` and against
# TRACKING_URI (e.g. a Millrace server started by the caller, with an empty store), then
# compares each pair of normalized outputs with compare.py.
# --self-check uses a second fresh reference server instead of TRACKING_URI: it proves
# that the normalization hides everything that legitimately differs between two servers.
#
# Outputs in WORKDIR: reference.json, candidate.json (tracking), reference-registry.json,
# candidate-registry.json (registry), *.err, ref-server/ (server log).
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

run_scenario() {  # run_scenario SCRIPT URI NAME
    if ! timeout "$scenario_timeout" "$venv/bin/python" "$here/$1" \
            --tracking-uri "$2" --workdir "$workdir/$3-client" \
            >"$workdir/$3.json" 2>"$workdir/$3.err"; then
        echo "acceptance.sh: $1 against $2 ($3) failed:" >&2
        grep -v '^🏃 View run\|^🧪 View experiment' "$workdir/$3.err" | tail -n 40 >&2
        exit 2
    fi
}

start_ref "$workdir/ref-server"
run_scenario client_scenario.py "$uri" reference
run_scenario registry_scenario.py "$uri" reference-registry
"$here/stop_reference_server.sh" "$workdir/ref-server"

if [ "$target" = "--self-check" ]; then
    start_ref "$workdir/ref-server-2"
    target=$uri
fi
run_scenario client_scenario.py "$target" candidate
run_scenario registry_scenario.py "$target" candidate-registry

status=0
"$venv/bin/python" "$here/compare.py" "$workdir/reference.json" "$workdir/candidate.json" \
    || status=1
"$venv/bin/python" "$here/compare.py" "$workdir/reference-registry.json" \
    "$workdir/candidate-registry.json" || status=1
exit "$status"
