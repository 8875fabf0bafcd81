#include "core/scheduler/schedulerlog.h"

Q_LOGGING_CATEGORY(lcScheduler, "millrace.scheduler")
