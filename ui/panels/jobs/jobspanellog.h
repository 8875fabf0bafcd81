#pragma once

#include <QLoggingCategory>

/// Logging category of the Jobs panel: "millrace.ui.jobs".
Q_DECLARE_LOGGING_CATEGORY(lcJobsPanel)
