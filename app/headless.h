#pragma once

#include <QString>

/// Runs Millrace's services on `workspace` without widgets until SIGINT or SIGTERM; returns the
/// exit code. Needs a QCoreApplication.
int runHeadless(const QString &workspace);
