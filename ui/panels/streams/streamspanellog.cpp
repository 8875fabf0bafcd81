#include "ui/panels/streams/streamspanellog.h"

Q_LOGGING_CATEGORY(lcStreamsPanel, "millrace.ui.streams")
