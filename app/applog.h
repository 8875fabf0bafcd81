#pragma once

#include <QLoggingCategory>

/// Logging category of the executable's wiring: "millrace.app".
Q_DECLARE_LOGGING_CATEGORY(lcApp)
