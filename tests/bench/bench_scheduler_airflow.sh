#!/usr/bin/env bash
# The scheduler's overhead next to its peer's: bench_scheduler (a chain of 100 no-op tasks in
# Millrace's scheduler) and then Apache Airflow 2.10.5's own `airflow scheduler` running a chain
# of no-op PythonOperator tasks (airflow/chain_dag.py), on this machine in one run. Prints both
# sides' BENCH lines under matching names and Airflow / Millrace ratios. Needs
# MILLRACE_BUILD_DIR (set by the bench target) and Debian's postgresql; makes the venv
# $MILLRACE_BUILD_DIR/airflow-venv from airflow/requirements.txt on first use (about a minute).
#
# Airflow runs as its docs recommend for one machine: LocalExecutor on a PostgreSQL database
# (a throwaway cluster in a temp dir, on a unix socket only), tuned for latency as far as is
# reasonable (see the AIRFLOW__ settings below). Airflow takes about a second per task where
# Millrace takes under a millisecond, so its chain is BENCH_AIRFLOW_TASKS (20) long rather than
# 100, which keeps a round under half a minute; the per-task figures
# (*_chain_per_task, the waits) compare across the two lengths. BENCH_AIRFLOW_ROUNDS (5) runs
# one after another, the first dropped as warm-up, as bench_scheduler does with its 7.
#
# Measures, from Airflow's metadata database: the chain from the trigger (trigger_dag, as
# `airflow dags trigger` does) to the last task instance's end_date, and the dependent-start
# wait, ti(n).start_date - ti(n-1).end_date. Each callable also stamps its own start and return,
# as bench_scheduler's operator does; the wait between those is the *_callable_* figure.
#
# BENCH_AIRFLOW_SQLITE=1 also runs Airflow's out-of-the-box setup, SQLite and SequentialExecutor
# (a new interpreter per task), as airflow_sqlite_* (off by default: it takes minutes more).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build_dir=${MILLRACE_BUILD_DIR:?}
bench_scheduler="$build_dir/bench/bench_scheduler"
venv="$build_dir/airflow-venv"
requirements="$here/airflow/requirements.txt"
tasks=${BENCH_AIRFLOW_TASKS:-20}
rounds=${BENCH_AIRFLOW_ROUNDS:-5}
sqlite=${BENCH_AIRFLOW_SQLITE:-0}
started_at=$SECONDS

die() {
    echo "bench_scheduler_airflow.sh: $*" >&2
    exit 1
}
[ -x "$bench_scheduler" ] || die "$bench_scheduler is missing; build the bench_scheduler target"
pg_bin=$(find /usr/lib/postgresql -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)
[ -x "$pg_bin/initdb" ] || die "no PostgreSQL server binaries: install Debian's postgresql"

# The venv, made again only when requirements.txt changes (its hash is kept in the venv); a lock
# beside it keeps two runs from installing at once.
make_venv() {
    local want
    want=$(sha256sum "$requirements" | cut -d' ' -f1)
    [ "$(cat "$venv/.millrace-stamp" 2>/dev/null)" = "$want" ] && return
    mkdir -p "$build_dir"
    exec 9>"$venv.lock"
    flock -w 1800 9 || die "timed out waiting for $venv.lock"
    if [ "$(cat "$venv/.millrace-stamp" 2>/dev/null)" != "$want" ]; then
        local start=$SECONDS
        rm -rf "$venv"
        /usr/bin/python3 -m venv "$venv" || die "python3 -m venv failed (is python3-venv installed?)"
        PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 "$venv/bin/python" -m pip install --quiet \
            -r "$requirements" >"$venv/.millrace-pip.log" 2>&1 ||
            { tail -n 30 "$venv/.millrace-pip.log" >&2; die "pip install -r $requirements failed"; }
        echo "$want" >"$venv/.millrace-stamp"
        echo "  installed Airflow into $venv in $((SECONDS - start)) s"
    fi
    exec 9>&-
}
make_venv

# initdb refuses to run as root: there the cluster belongs to Debian's postgres user.
as_postgres() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

work=$(mktemp -d)
scheduler_pid=""
# shellcheck source=childprocess.sh
source "$here/childprocess.sh"
stop_scheduler() {
    [ -n "$scheduler_pid" ] || return 0
    # TERM to the scheduler alone, which stops its executor's workers and DAG processor itself;
    # whatever of its process group is left after 20 s is killed.
    kill -TERM "$scheduler_pid" 2>/dev/null || true
    for _ in $(seq 1 200); do
        kill -0 -- "-$scheduler_pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL -- "-$scheduler_pid" 2>/dev/null || true
    scheduler_pid=""
}
cleanup() {
    [ -z "$child" ] || kill -TERM "$child" 2>/dev/null || true
    stop_scheduler
    if [ -f "$work/pg/postmaster.pid" ]; then
        as_postgres "$pg_bin/pg_ctl" -D "$work/pg" -m fast -w stop >/dev/null 2>&1 ||
            as_postgres "$pg_bin/pg_ctl" -D "$work/pg" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

load() { cut -d' ' -f1 /proc/loadavg; }
value() { awk -v name="$1" '$2 == name {print $3}' "$2"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.0f", a / b}'; }

# Millrace first, before any of Airflow's processes start.
echo "  load before: $(load)"
run_child "$bench_scheduler" >"$work/millrace.out" 2>"$work/millrace.log" ||
    die "bench_scheduler failed: $(tail -n 5 "$work/millrace.log")"
grep -v '^BENCH' "$work/millrace.out" | sed 's/^/  millrace /' || true
sed -n 's/^BENCH scheduler_/BENCH millrace_/p' "$work/millrace.out" | tee "$work/millrace.bench"
millrace_chain=$(value millrace_chain100_median "$work/millrace.bench")
echo "BENCH millrace_chain_per_task $(awk -v s="$millrace_chain" 'BEGIN {printf "%.3f", s * 1000 / 100}') ms" |
    tee -a "$work/millrace.bench"

# Settings of both Airflow setups. The venv's bin first on PATH, as if activated: the executors
# that start tasks as new processes run `airflow` from PATH.
export PATH="$venv/bin:$PATH"
mkdir -p "$work/dags"
cp "$here/airflow/chain_dag.py" "$work/dags/"
export AIRFLOW__CORE__DAGS_FOLDER="$work/dags"
export AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION=False
# Tasks run in a fork of the executor's worker, not a new interpreter (Airflow's default).
export AIRFLOW__CORE__EXECUTE_TASKS_NEW_PYTHON_INTERPRETER=False
# The scheduler loops without pause while it has work and sleeps this long when a loop found
# none (default 1 s), which bounds how soon it queues a task whose upstream ended. Measured here,
# idle, the scheduler and its database use 3 % of a core at 1 s, 13 % at 0.1 s, 21 % at 0.05 s
# and 33 % at 0.02 s, and 0.02 s saves about 0.1 s a task over 0.1 s: 0.1 s is the quickest that
# is reasonable to run on 2 cores (BENCH_AIRFLOW_IDLE_SLEEP to try others). scheduler_heartbeat_sec
# only records the scheduler's liveness, and after a task ends its own process already marks the
# next one scheduled (schedule_after_task_execution, on by default).
export AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME=${BENCH_AIRFLOW_IDLE_SLEEP:-0.1}
# The DAG file is parsed once at start and not again during the rounds (defaults 30 s and 5 min),
# by one parsing process.
export AIRFLOW__SCHEDULER__MIN_FILE_PROCESS_INTERVAL=600
export AIRFLOW__SCHEDULER__DAG_DIR_LIST_INTERVAL=600
export AIRFLOW__SCHEDULER__PARSING_PROCESSES=1
export MILLRACE_AIRFLOW_TASKS=$tasks

# run_airflow NAME: a fresh AIRFLOW_HOME, its database migrated, `airflow scheduler`, the rounds
# of chain_bench.py (BENCH lines NAME_*), the scheduler stopped.
run_airflow() {
    local name=$1
    export AIRFLOW_HOME="$work/$name"
    export MILLRACE_AIRFLOW_STAMPS="$work/$name/stamps"
    mkdir -p "$MILLRACE_AIRFLOW_STAMPS"
    run_child "$venv/bin/airflow" db migrate >"$work/$name/migrate.log" 2>&1 ||
        die "airflow db migrate failed: $(tail -n 5 "$work/$name/migrate.log")"
    # No log server (--skip-serve-logs): the task logs are on this machine already.
    setsid "$venv/bin/airflow" scheduler --skip-serve-logs >"$work/$name/scheduler.log" 2>&1 &
    scheduler_pid=$!
    echo "  load before $name: $(load)"
    run_child "$venv/bin/python" "$here/airflow/chain_bench.py" --name "$name" --tasks "$tasks" \
        --rounds "$rounds" --stamps "$MILLRACE_AIRFLOW_STAMPS" >"$work/$name.out" ||
        die "chain_bench.py failed; the scheduler's log ends: $(tail -n 20 "$work/$name/scheduler.log")"
    kill -0 "$scheduler_pid" 2>/dev/null ||
        die "the Airflow scheduler died: $(tail -n 20 "$work/$name/scheduler.log")"
    stop_scheduler
    grep -v '^BENCH' "$work/$name.out" | sed "s/^/  $name /" || true
    grep '^BENCH' "$work/$name.out" | tee "$work/$name.bench"
}

# The main peer: LocalExecutor on PostgreSQL 15 with Debian's defaults (fsync on, as Millrace's
# synchronous = FULL), listening on a unix socket in the temp dir only, trusting local users.
mkdir -p "$work/pg" "$work/pgsock"
chmod 755 "$work"
[ "$(id -u)" -ne 0 ] || chown postgres: "$work/pg" "$work/pgsock"
as_postgres "$pg_bin/initdb" -D "$work/pg" -U airflow --auth=trust -E UTF8 >"$work/initdb.log" 2>&1 ||
    die "initdb failed: $(tail -n 5 "$work/initdb.log")"
as_postgres "$pg_bin/pg_ctl" -D "$work/pg" -l "$work/pgsock/postgres.log" -w \
    -o "-c listen_addresses='' -k $work/pgsock" start >/dev/null ||
    die "PostgreSQL did not start: $(tail -n 5 "$work/pgsock/postgres.log")"
"$pg_bin/createdb" -h "$work/pgsock" -U airflow airflow
export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="postgresql+psycopg2://airflow@/airflow?host=$work/pgsock"
export AIRFLOW__CORE__EXECUTOR=LocalExecutor
# A pool of 4 worker processes; a chain runs one task at a time, so more would only idle.
export AIRFLOW__CORE__PARALLELISM=4
run_airflow airflow

a() { value "$1" "$work/airflow.bench"; }
m() { value "$1" "$work/millrace.bench"; }
echo "BENCH airflow_vs_millrace_chain_per_task $(ratio "$(a airflow_chain_per_task)" "$(m millrace_chain_per_task)") x"
echo "BENCH airflow_vs_millrace_dependent_start_p50 $(ratio "$(a airflow_dependent_start_p50)" "$(m millrace_dependent_start_p50)") x"
echo "BENCH airflow_vs_millrace_dependent_start_p99 $(ratio "$(a airflow_dependent_start_p99)" "$(m millrace_dependent_start_p99)") x"

if [ "$sqlite" = 1 ]; then
    # Airflow's out-of-the-box database and executor, the scheduler tuned as above: SQLite and
    # SequentialExecutor, which runs each task as a new `airflow tasks run` process.
    unset AIRFLOW__CORE__PARALLELISM
    export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="sqlite:///$work/airflow_sqlite/airflow.db"
    export AIRFLOW__CORE__EXECUTOR=SequentialExecutor
    run_airflow airflow_sqlite
fi
echo "  load after: $(load); took $((SECONDS - started_at)) s"
