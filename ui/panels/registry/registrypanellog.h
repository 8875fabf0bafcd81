#pragma once

#include <QLoggingCategory>

/// Logging category of the Registry panel: "millrace.ui.registry".
Q_DECLARE_LOGGING_CATEGORY(lcRegistryPanel)
