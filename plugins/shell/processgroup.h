#pragma once

#include <QtGlobal>

namespace millrace::shell {

/// Runs in a freshly forked child, just before exec (QProcess::setChildProcessModifier): puts it
/// in a new session and process group of its own, whose id is its pid, and gives it default
/// signal handling. Only async-signal-safe calls.
void prepareChildProcess();

/// Sends `signal` to every process of the group `processGroup`.
void signalProcessGroup(qint64 processGroup, int signal);

/// True while a process of the group `processGroup` is still running. Zombies, which are dead
/// and only wait for their parent to collect them, do not count.
bool processGroupIsRunning(qint64 processGroup);

} // namespace millrace::shell
