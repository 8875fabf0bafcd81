#pragma once

#include <QLoggingCategory>

/// Logging category of the Streams panel: "millrace.ui.streams".
Q_DECLARE_LOGGING_CATEGORY(lcStreamsPanel)
