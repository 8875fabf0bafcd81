#pragma once

#include <QLoggingCategory>

/// Logging category of data streams (Kafka): "millrace.streams".
Q_DECLARE_LOGGING_CATEGORY(lcStreams)
