#pragma once

#include <QLoggingCategory>

/// Logging category of the pipeline operators: "millrace.pipeline".
Q_DECLARE_LOGGING_CATEGORY(lcPipeline)
