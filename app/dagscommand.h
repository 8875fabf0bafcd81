#pragma once

struct Invocation;

/// `millrace dags list|runs|trigger|pause|unpause|backfill|clear`: the DAGs of the workspace's
/// dags/ folder and their runs, as tables or Airflow-shaped JSON (--json), and the scheduler's
/// actions. Reading never takes the workspace, so it works while the app runs. Changes go to the
/// running app's scheduler (through the table scheduler_requests) while the app holds the
/// workspace; otherwise the command takes the workspace and changes it directly.
int runDagsCommand(const Invocation &invocation);
/// The usage text of `millrace dags`, for `millrace dags --help`.
const char *dagsUsage();

/// `millrace tasks list|logs`: the task instances of one DAG run, and the log of a task's try
/// (--follow tails it until the task is finished). Works while the app runs.
int runTasksCommand(const Invocation &invocation);
/// The usage text of `millrace tasks`, for `millrace tasks --help`.
const char *tasksUsage();
