#include "core/streams/streamslog.h"

Q_LOGGING_CATEGORY(lcStreams, "millrace.streams")
