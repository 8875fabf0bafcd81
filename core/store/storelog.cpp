#include "core/store/storelog.h"

Q_LOGGING_CATEGORY(lcStore, "millrace.store")
