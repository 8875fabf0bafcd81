#pragma once

#include <QLoggingCategory>

/// Logging category of the shell operator plugin: "millrace.shell".
Q_DECLARE_LOGGING_CATEGORY(lcShell)
