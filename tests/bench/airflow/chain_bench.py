"""Triggers chain_dag.py's DAG on a running `airflow scheduler`, one run at a time, and reads the
task instances' start and end dates from Airflow's metadata database.

Prints a line per round and then BENCH lines, with the same measures as bench_scheduler: the chain
from the trigger to the last task's end, and how long a task waits to start after the task it
depends on ended (p50, p99 over all rounds but the first, which warms up the scheduler and the
executor's workers). Run with the scheduler's AIRFLOW_* environment."""

import argparse
import os
import sys
import time

from airflow.api.common.trigger_dag import trigger_dag
from airflow.models import DagModel, DagRun, TaskInstance
from airflow.models.serialized_dag import SerializedDagModel
from airflow.utils.session import create_session
from airflow.utils.state import DagRunState

DAG_ID = "millrace_chain"


def percentile(values, share):
    # As bench_scheduler: the value at index share * n of the sorted values.
    values = sorted(values)
    return values[min(len(values) - 1, int(share * len(values)))] if values else 0.0


def median(values):
    values = sorted(values)
    n = len(values)
    return values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2


def report(name, value, unit):
    print(f"BENCH {name} {value:.3f} {unit}", flush=True)


def wait_for_dag(timeout):
    # The scheduler's DAG processor has to parse the file and store the serialized DAG first.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with create_session() as session:
            model = session.get(DagModel, DAG_ID)
            if model is not None and not model.is_paused and SerializedDagModel.has_dag(DAG_ID, session):
                return
        time.sleep(0.2)
    sys.exit(f"chain_bench.py: the scheduler did not load {DAG_ID} within {timeout} s")


def run_once(run_id, tasks, timeout):
    triggered = time.time()
    trigger_dag(DAG_ID, run_id=run_id, replace_microseconds=False)
    deadline = time.monotonic() + timeout
    while True:
        with create_session() as session:
            run = session.query(DagRun).filter_by(dag_id=DAG_ID, run_id=run_id).one()
            if run.state in (DagRunState.SUCCESS, DagRunState.FAILED):
                tis = session.query(TaskInstance).filter_by(dag_id=DAG_ID, run_id=run_id).all()
                state, started = run.state, run.start_date.timestamp()
                dates = {ti.task_id: (ti.start_date.timestamp(), ti.end_date.timestamp()) for ti in tis}
                break
        if time.monotonic() > deadline:
            sys.exit(f"chain_bench.py: {run_id} did not finish within {timeout} s")
        time.sleep(0.1)
    if state != DagRunState.SUCCESS or len(dates) != tasks:
        sys.exit(f"chain_bench.py: {run_id} ended {state} with {len(dates)} of {tasks} tasks")
    order = [dates[f"t{i}"] for i in range(tasks)]
    return triggered, started, order


def stamps(directory, run_id, tasks):
    # (started, returned) of each task's callable, from chain_dag.py's stamp files.
    result = []
    for i in range(tasks):
        with open(os.path.join(directory, f"{run_id}.t{i}")) as stamp:
            started, returned = stamp.read().split()
        result.append((float(started), float(returned)))
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, required=True)
    parser.add_argument("--rounds", type=int, required=True)
    parser.add_argument("--stamps", required=True)
    parser.add_argument("--name", default="airflow", help="the BENCH names' prefix")
    parser.add_argument("--load-timeout", type=float, default=180)
    args = parser.parse_args()
    wait_for_dag(args.load_timeout)

    chains, pickups, waits, callable_waits = [], [], [], []
    for round_ in range(1, args.rounds + 1):
        run_id = f"bench{round_}_{int(time.time())}"
        triggered, started, order = run_once(run_id, args.tasks, 60 + 10 * args.tasks)
        chain = order[-1][1] - triggered
        round_waits = [(order[i][0] - order[i - 1][1]) * 1000 for i in range(1, args.tasks)]
        calls = stamps(args.stamps, run_id, args.tasks)
        round_callable = [(calls[i][0] - calls[i - 1][1]) * 1000 for i in range(1, args.tasks)]
        print(
            f"round {round_}: {args.tasks}-task chain in {chain:.3f} s (trigger to the last task's "
            f"end; run started {started - triggered:.3f} s after the trigger), median wait "
            f"{median(round_waits):.1f} ms (callables: {median(round_callable):.1f} ms)",
            flush=True,
        )
        if round_ == 1:
            continue  # warm-up
        chains.append(chain)
        pickups.append(started - triggered)
        waits += round_waits
        callable_waits += round_callable

    n, name = args.tasks, args.name
    report(f"{name}_chain{n}_median", median(chains), "s")
    report(f"{name}_chain{n}_worst", max(chains), "s")
    report(f"{name}_chain_per_task", median(chains) / n * 1000, "ms")
    report(f"{name}_run_pickup_median", median(pickups) * 1000, "ms")
    report(f"{name}_dependent_start_p50", percentile(waits, 0.5), "ms")
    report(f"{name}_dependent_start_p99", percentile(waits, 0.99), "ms")
    report(f"{name}_dependent_callable_start_p50", percentile(callable_waits, 0.5), "ms")
    report(f"{name}_dependent_callable_start_p99", percentile(callable_waits, 0.99), "ms")


if __name__ == "__main__":
    main()
