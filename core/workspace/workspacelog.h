#pragma once

#include <QLoggingCategory>

/// Logging category of workspace handling: "millrace.workspace".
Q_DECLARE_LOGGING_CATEGORY(lcWorkspace)
