#pragma once

#include <QLoggingCategory>

/// Logging category of local serving: "millrace.serving".
Q_DECLARE_LOGGING_CATEGORY(lcServing)
