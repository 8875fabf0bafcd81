#pragma once

struct Invocation;

/// `millrace runs list|search|show`: tracked runs from the workspace database, as a table or as
/// MLflow-shaped JSON (--json). Reads without taking the workspace, so it works while the app runs.
int runRunsCommand(const Invocation &invocation);
/// The usage text of `millrace runs`, for `millrace runs --help`.
const char *runsUsage();
