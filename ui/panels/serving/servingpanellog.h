#pragma once

#include <QLoggingCategory>

/// Logging category of the Serving panel: "millrace.ui.serving".
Q_DECLARE_LOGGING_CATEGORY(lcServingPanel)
