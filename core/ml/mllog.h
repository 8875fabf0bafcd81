#pragma once

#include <QLoggingCategory>

/// Logging category of the training engine: "millrace.ml".
Q_DECLARE_LOGGING_CATEGORY(lcMl)
