#pragma once

struct Invocation;

/// `millrace train --config FILE`: runs a training job (or a hyperparameter search) headless on
/// the workspace, printing progress; exits 0 when it finished, 1 when it failed or was
/// interrupted (SIGINT/SIGTERM end the run KILLED), 2 on a usage error.
int runTrainCommand(const Invocation &invocation);
/// The usage text of `millrace train`, for `millrace train --help`.
const char *trainUsage();
