#include "ui/panels/jobs/jobspanellog.h"

Q_LOGGING_CATEGORY(lcJobsPanel, "millrace.ui.jobs")
