#pragma once

#include <QLoggingCategory>

/// Logging category of training jobs: "millrace.training".
Q_DECLARE_LOGGING_CATEGORY(lcTraining)
