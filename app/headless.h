#pragma once

struct Invocation;

/// Runs Millrace's services on the invocation's workspace without widgets until SIGINT or
/// SIGTERM; returns the exit code. Needs a QCoreApplication.
int runHeadless(const Invocation &invocation);
