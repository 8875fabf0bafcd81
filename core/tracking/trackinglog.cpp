#include "core/tracking/trackinglog.h"

Q_LOGGING_CATEGORY(lcTracking, "millrace.tracking")
