#include "core/ml/mllog.h"

Q_LOGGING_CATEGORY(lcMl, "millrace.ml")
