#pragma once

#include <QLoggingCategory>

/// Logging category of the model registry: "millrace.registry".
Q_DECLARE_LOGGING_CATEGORY(lcRegistry)
