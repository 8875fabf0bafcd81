#pragma once

#include "core/base/result.h"
#include "core/streams/endpoint.h"

#include <QString>

struct Invocation;

/// `millrace topics list|describe|create|delete`: the cluster's topics, partitions, watermarks
/// and a consumer group's lag, as tables or JSON (--json).
int runTopicsCommand(const Invocation &invocation);
/// The usage text of `millrace topics`, for `millrace topics --help`.
const char *topicsUsage();
/// `millrace produce TOPIC`: publishes messages given as arguments, read from a file or from
/// standard input (one per line), and waits for their delivery.
int runProduceCommand(const Invocation &invocation);
/// The usage text of `millrace produce`, for `millrace produce --help`.
const char *produceUsage();
/// `millrace drain TOPIC`: drains new messages of a topic into a training batch under the
/// workspace's data/incoming (at least once, duplicates dropped by offset), printing progress
/// on stderr and the batch on stdout. Works while the app runs.
int runDrainCommand(const Invocation &invocation);
/// The usage text of `millrace drain`, for `millrace drain --help`.
const char *drainUsage();

/// The cluster a streams command talks to: `bootstrap` (plaintext) if given, else the profile
/// called `profile`, else the workspace's active profile, else the embedded broker of the app
/// running on the workspace (its address is published in the workspace). Only reads the
/// workspace, so the commands work while the app runs.
millrace::Result<millrace::streams::ClusterEndpoint>
commandEndpoint(const QString &workspace, const QString &bootstrap, const QString &profile);
