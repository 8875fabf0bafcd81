#include "core/workspace/workspacelog.h"

Q_LOGGING_CATEGORY(lcWorkspace, "millrace.workspace")
