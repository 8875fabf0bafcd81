#!/usr/bin/env bash
# stop_reference_server.sh WORKDIR
#
# Stops the server that run_reference_server.sh started for WORKDIR: SIGTERM to its
# process group (PGID = the PID in WORKDIR/server.pid), SIGKILL after 10 s if needed.
# Exits 0 when nothing is running any more (also when nothing was running).
set -uo pipefail

[ $# -eq 1 ] || { echo "usage: stop_reference_server.sh WORKDIR" >&2; exit 2; }
pidfile="$1/server.pid"
[ -f "$pidfile" ] || exit 0
pid=$(cat "$pidfile")
[[ "$pid" =~ ^[0-9]+$ ]] || { echo "stop_reference_server.sh: bad pid file $pidfile" >&2; exit 1; }

kill -TERM -- "-$pid" 2>/dev/null || true
for _ in $(seq 1 100); do
    kill -0 -- "-$pid" 2>/dev/null || { rm -f "$pidfile"; exit 0; }
    sleep 0.1
done
kill -KILL -- "-$pid" 2>/dev/null || true
sleep 0.2
rm -f "$pidfile"
exit 0
