#pragma once

struct Invocation;

/// `millrace pools list|set|delete`: the scheduler's pools (Airflow's `airflow pools`), with
/// their slots, what runs and waits in them and their open slots, as a table or JSON (--json).
/// Listing never takes the workspace. Changes go to the running app's scheduler (through the
/// table scheduler_requests) while the app holds the workspace; otherwise the command takes the
/// workspace and changes it directly, under the same rules (core/scheduler/pools.h).
int runPoolsCommand(const Invocation &invocation);
/// The usage text of `millrace pools`, for `millrace pools --help`.
const char *poolsUsage();
