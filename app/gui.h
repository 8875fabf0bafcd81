#pragma once

#include <QString>

namespace millrace {
class LogBus;
}

/// Shows the main window on `workspace` and runs the event loop; returns the exit code. Needs a
/// QApplication.
int runGui(const QString &workspace, millrace::LogBus *logBus);
