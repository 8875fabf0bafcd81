#!/usr/bin/env bash
# make_venv.sh VENV_DIR
#
# Creates (or updates) a Python venv with the pinned packages of requirements.txt
# beside this script, using Debian's /usr/bin/python3. Idempotent: VENV_DIR/.millrace-stamp
# holds the sha256 of requirements.txt that was last installed; when it matches, the
# script does nothing and prints nothing. Exits non-zero with a message on failure.
#
# Environment:
#   MILLRACE_VENV_PYTHON      interpreter to build the venv from (default /usr/bin/python3)
#   MILLRACE_PIP_TIMEOUT_S    overall time limit for pip (default 900 s)
set -euo pipefail

die() { echo "make_venv.sh: error: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: make_venv.sh VENV_DIR"
venv=$1
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
req="$here/requirements.txt"
python=${MILLRACE_VENV_PYTHON:-/usr/bin/python3}
pip_timeout=${MILLRACE_PIP_TIMEOUT_S:-900}

[ -f "$req" ] || die "missing $req"
[ -x "$python" ] || die "no interpreter at $python"

want=$(sha256sum "$req" | cut -d' ' -f1)
stamp="$venv/.millrace-stamp"

up_to_date() {
    [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$venv/bin/python" ] \
        && [ -x "$venv/bin/mlflow" ]
}
up_to_date && exit 0

# Two test runs may call this at once: serialize the install with a lock beside the venv.
mkdir -p "$(dirname "$venv")"
exec 9>"${venv%/}.lock"
flock -w "$pip_timeout" 9 || die "timed out waiting for ${venv%/}.lock"
up_to_date && exit 0

echo "make_venv.sh: installing $req into $venv" >&2
start=$(date +%s)

if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv" || die "'$python -m venv $venv' failed (is python3-venv installed?)"
fi
rm -f "$stamp"

export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
log="$venv/.millrace-pip.log"
if ! timeout "$pip_timeout" "$venv/bin/python" -m pip install --quiet -r "$req" >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    die "pip install -r $req failed or timed out after ${pip_timeout}s (full log: $log)"
fi
"$venv/bin/python" -c 'import mlflow, mlflow.server' >>"$log" 2>&1 \
    || { tail -n 20 "$log" >&2; die "mlflow does not import in $venv"; }

echo "$want" >"$stamp"
echo "make_venv.sh: done in $(( $(date +%s) - start )) s" >&2
