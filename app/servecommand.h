#pragma once

struct Invocation;

/// `millrace serve`: serves a registered model over MLflow's scoring protocol until SIGINT or
/// SIGTERM, following its stage or alias (hot swap), optionally splitting requests with a
/// candidate version (A/B); `millrace serve token set|delete|status` keeps the bearer token in
/// the keychain. Reads the registry without taking the workspace, so it runs beside the app.
int runServeCommand(const Invocation &invocation);
/// The usage text of `millrace serve`, for `millrace serve --help`.
const char *serveUsage();
