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

# No wheel cache: it would hold a second copy of every package (pyarrow, scipy, onnxruntime...)
# on a disk the build already fills; a CI run once failed with ENOSPC in pip.
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 PIP_NO_CACHE_DIR=1
log="$venv/.millrace-pip.log"
install() { timeout "$pip_timeout" "$venv/bin/python" -m pip install --quiet -r "$req" >"$log" 2>&1; }
# One more try after a failure that was not the time limit: a registry hiccup or a disk
# another job filled for a while should not fail the suite; a second failure does.
rc=0
install || rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ]; then
    echo "make_venv.sh: pip failed (exit $rc), trying once more in 30 s" >&2
    sleep 30
    rc=0
    install || rc=$?
fi
if [ "$rc" -ne 0 ]; then
    tail -n 30 "$log" >&2
    if grep -q 'No space left on device' "$log"; then
        df -h "$(dirname "$venv")" >&2
    fi
    die "pip install -r $req failed or timed out after ${pip_timeout}s (full log: $log)"
fi
"$venv/bin/python" -c 'import mlflow, mlflow.server' >>"$log" 2>&1 \
    || { tail -n 20 "$log" >&2; die "mlflow does not import in $venv"; }

echo "$want" >"$stamp"
echo "make_venv.sh: done in $(( $(date +%s) - start )) s" >&2
