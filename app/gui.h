#pragma once

struct Invocation;

namespace millrace {
class LogBus;
}

/// Shows the main window on `workspace` and runs the event loop; returns the exit code. Needs a
/// QApplication.
int runGui(const Invocation &invocation, millrace::LogBus *logBus);
