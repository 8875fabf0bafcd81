#pragma once

#include <QLoggingCategory>

/// Logging category of core/base (workers, jobs, the log bus): "millrace.base".
Q_DECLARE_LOGGING_CATEGORY(lcBase)
