# The peer of bench_scheduler's chain: MILLRACE_AIRFLOW_TASKS (20) no-op PythonOperator tasks,
# each depending on the one before. Each task notes when its callable started and returned (wall
# clock) in MILLRACE_AIRFLOW_STAMPS/<run_id>.<task_id>, as bench_scheduler's StampOperator does,
# so the wait between two tasks can be measured inside the callables as well as from Airflow's
# own start and end dates. Read by the scheduler of bench_scheduler_airflow.sh.
import os
import time
from datetime import datetime

from airflow import DAG
from airflow.operators.python import PythonOperator

TASKS = int(os.environ.get("MILLRACE_AIRFLOW_TASKS", "20"))
STAMPS = os.environ.get("MILLRACE_AIRFLOW_STAMPS", "")


def stamp(**context):
    started = time.time()
    returned = time.time()
    if STAMPS:
        name = f"{context['run_id']}.{context['ti'].task_id}"
        with open(os.path.join(STAMPS, name), "w") as out:
            out.write(f"{started!r} {returned!r}\n")


with DAG(
    dag_id="millrace_chain",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    catchup=False,
    max_active_runs=1,
    is_paused_upon_creation=False,
    default_args={"retries": 0},
):
    previous = None
    for i in range(TASKS):
        task = PythonOperator(task_id=f"t{i}", python_callable=stamp)
        if previous is not None:
            previous >> task
        previous = task
