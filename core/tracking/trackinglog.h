#pragma once

#include <QLoggingCategory>

/// Logging category of experiment tracking and its REST API: "millrace.tracking".
Q_DECLARE_LOGGING_CATEGORY(lcTracking)
