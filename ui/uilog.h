#pragma once

#include <QLoggingCategory>

/// Logging category of the widgets: "millrace.ui".
Q_DECLARE_LOGGING_CATEGORY(lcUi)
