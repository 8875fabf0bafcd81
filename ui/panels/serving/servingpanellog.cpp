#include "ui/panels/serving/servingpanellog.h"

Q_LOGGING_CATEGORY(lcServingPanel, "millrace.ui.serving")
