#include "core/base/baselog.h"

Q_LOGGING_CATEGORY(lcBase, "millrace.base")
