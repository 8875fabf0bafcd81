#pragma once

#include <QLoggingCategory>

/// Logging category of the scheduler: "millrace.scheduler".
Q_DECLARE_LOGGING_CATEGORY(lcScheduler)
