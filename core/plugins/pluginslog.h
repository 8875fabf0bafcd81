#pragma once

#include <QLoggingCategory>

/// Logging category of plugin loading: "millrace.plugins".
Q_DECLARE_LOGGING_CATEGORY(lcPlugins)
