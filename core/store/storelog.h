#pragma once

#include <QLoggingCategory>

/// Logging category of the metadata store: "millrace.store".
Q_DECLARE_LOGGING_CATEGORY(lcStore)
